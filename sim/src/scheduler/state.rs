//! What every request handler shares.

use super::clock::Clock;
use super::policy::Offer;
use super::store::Store;
use std::sync::Arc;

/// The scheduler's state.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Central's clock.
    pub clock: Clock,
    /// The endorsement offers of the policy file.
    pub offers: Vec<Offer>,
}

/// The state as handlers get it.
pub type Shared = Arc<AppState>;
