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
}

/// The state as handlers get it.
pub type Shared = Arc<AppState>;
