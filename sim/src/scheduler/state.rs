//! What every request handler shares.

use super::clock::Clock;
use super::policy::Policy;
use super::store::Store;
use std::sync::Arc;

/// The scheduler's state.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Central's clock.
    pub clock: Clock,
    /// The policy file's endorsement offers and the cities open to the Taiwan individual tour.
    pub policy: Policy,
    /// Where central is reached from outside, no trailing `/` (`--public-url`, else the listening
    /// address): the base of the URLs it hands out.
    pub public_url: String,
}

impl AppState {
    /// Where a travel-record reference fetches its records (what a printed record's QR code holds).
    pub fn travel_records_url(&self, reference: &str) -> String {
        format!("{}/v1/travel-records/{reference}", self.public_url)
    }
}

/// The state as handlers get it.
pub type Shared = Arc<AppState>;
