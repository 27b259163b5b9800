//! Simulated devices: real implementations of the `drivers` traits with behaviour (media that comes
//! and goes, consumables that run out, latency, every fault kind), plus the world actions a walk-in
//! user or a test performs on them.
//!
//! Each device is a pair: the backend (what the daemon holds, behind the driver trait) and a cheap
//! cloneable handle to the same state (what the simulator's user or a test holds).

pub mod camera;
pub mod fingerprint;
pub mod idcard;
pub mod payment;
pub mod permit_slot;
pub mod receipt;
pub mod rig;
pub mod spans;

use drivers::{DeviceError, DeviceKind, DeviceState, FaultKind, Health};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// How long a simulated device takes for its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Time of one operation of the device (read, match, print, write).
    pub latency: Duration,
    /// How long the driver waits for an answer before it reports a timeout.
    pub answer_timeout: Duration,
}

impl Timing {
    /// No latency: for benchmarks and fast tests.
    pub fn zero() -> Timing {
        Timing { latency: Duration::ZERO, answer_timeout: Duration::from_millis(50) }
    }
}

/// The control state every simulated device has.
#[derive(Debug, Clone)]
struct Common {
    timing: Timing,
    fault: Option<FaultKind>,
}

/// State shared between a simulated device backend and its handle.
#[derive(Debug)]
pub(crate) struct Shared<S> {
    kind: DeviceKind,
    state: Arc<Mutex<S>>,
    common: Mutex<Common>,
    changed: Arc<watch::Sender<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these plain-data states half-updated in a way that
    // matters to a simulator; keep going rather than poison every later call.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<S> Shared<S> {
    pub(crate) fn new(kind: DeviceKind, state: S, timing: Timing) -> Arc<Shared<S>> {
        Arc::new(Shared {
            kind,
            state: Arc::new(Mutex::new(state)),
            common: Mutex::new(Common { timing, fault: None }),
            changed: Arc::new(watch::channel(0).0),
        })
    }

    /// A second device on the same media path as `other` (its state and wake-ups), with its own
    /// kind, faults and timing.
    pub(crate) fn forward(other: &Shared<S>, kind: DeviceKind, timing: Timing) -> Shared<S> {
        Shared {
            kind,
            state: other.state.clone(),
            common: Mutex::new(Common { timing, fault: None }),
            changed: other.changed.clone(),
        }
    }

    /// Read or change the state; wakes every waiter.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let r = f(&mut lock(&self.state));
        self.changed.send_modify(|v| *v += 1);
        r
    }

    /// Read the state without waking anyone.
    pub(crate) fn peek<R>(&self, f: impl FnOnce(&S) -> R) -> R {
        f(&lock(&self.state))
    }

    pub(crate) fn timing(&self) -> Timing {
        lock(&self.common).timing
    }

    pub(crate) fn set_timing(&self, t: Timing) {
        lock(&self.common).timing = t;
    }

    pub(crate) fn fault(&self) -> Option<FaultKind> {
        lock(&self.common).fault
    }

    pub(crate) fn set_fault(&self, f: Option<FaultKind>) {
        lock(&self.common).fault = f;
        self.changed.send_modify(|v| *v += 1);
    }

    /// Fail as the injected fault makes the device fail. A silent device makes the driver wait for
    /// its answer timeout first.
    pub(crate) async fn check_fault(&self) -> Result<(), DeviceError> {
        let (fault, timing) = {
            let c = lock(&self.common);
            (c.fault, c.timing)
        };
        match fault {
            None => Ok(()),
            Some(FaultKind::Timeout) => {
                tokio::time::sleep(timing.answer_timeout).await;
                Err(DeviceError::Timeout(timing.answer_timeout))
            }
            Some(f) => Err(DeviceError::from_fault(f, timing.answer_timeout)),
        }
    }

    /// Like [`Shared::check_fault`], for an operation that the listed faults do not affect (a
    /// refused chip write does not stop the card transport).
    pub(crate) async fn check_fault_except(&self, unaffected: &[FaultKind]) -> Result<(), DeviceError> {
        if self.fault().is_some_and(|f| unaffected.contains(&f)) {
            return Ok(());
        }
        self.check_fault().await
    }

    /// Take the device's operation time, then check for a fault that came meanwhile.
    pub(crate) async fn work(&self) -> Result<(), DeviceError> {
        self.check_fault().await?;
        let lat = self.timing().latency;
        if !lat.is_zero() {
            spans::timed(self.kind, "work", tokio::time::sleep(lat)).await;
        }
        self.check_fault().await
    }

    /// Wait up to `wait` until `f` finds what it looks for in the state; a fault ends the wait.
    pub(crate) async fn wait_for<R>(
        &self,
        wait: Duration,
        f: impl FnMut(&mut S) -> Option<R>,
    ) -> Result<Option<R>, DeviceError> {
        self.wait_for_except(wait, &[], f).await
    }

    /// [`Shared::wait_for`] for an operation that the listed faults do not affect.
    pub(crate) async fn wait_for_except<R>(
        &self,
        wait: Duration,
        unaffected: &[FaultKind],
        mut f: impl FnMut(&mut S) -> Option<R>,
    ) -> Result<Option<R>, DeviceError> {
        // One timer for the whole wait (registered when first waited on), not one a change.
        let timer = tokio::time::sleep(wait);
        tokio::pin!(timer);
        let mut rx = self.changed.subscribe();
        loop {
            self.check_fault_except(unaffected).await?;
            if let Some(r) = f(&mut lock(&self.state)) {
                self.changed.send_modify(|v| *v += 1);
                return Ok(Some(r));
            }
            tokio::select! {
                res = rx.changed() => if res.is_err() { return Ok(None) },
                _ = &mut timer => return Ok(None),
            }
        }
    }

    /// The device state implied by the injected fault.
    pub(crate) fn base_health(&self) -> Health {
        let state = match self.fault() {
            None => DeviceState::Online,
            Some(FaultKind::Unplugged) => DeviceState::NoDevice,
            Some(FaultKind::Timeout) => DeviceState::Offline,
            Some(f) => DeviceState::HardwareError(f),
        };
        Health::with_state(self.kind, state)
    }
}

/// Operations every device handle offers to the simulator and to tests.
pub trait SimHandle {
    /// The device kind.
    fn kind(&self) -> DeviceKind;
    /// Inject a fault (`None` clears it). Faults the kind cannot have are refused.
    fn set_fault(&self, fault: Option<FaultKind>) -> Result<(), String>;
    /// The injected fault.
    fn fault(&self) -> Option<FaultKind>;
    /// Change the device's timing.
    fn set_timing(&self, timing: Timing);
    /// The device's timing.
    fn timing(&self) -> Timing;
}

macro_rules! impl_sim_handle {
    ($handle:ty) => {
        impl $crate::devices::SimHandle for $handle {
            fn kind(&self) -> drivers::DeviceKind {
                self.0.kind
            }
            fn set_fault(&self, fault: Option<drivers::FaultKind>) -> Result<(), String> {
                if let Some(f) = fault {
                    if !self.0.kind.fault_kinds().contains(&f) {
                        return Err(format!("a {} device cannot have fault {}", self.0.kind, f));
                    }
                }
                self.0.set_fault(fault);
                Ok(())
            }
            fn fault(&self) -> Option<drivers::FaultKind> {
                self.0.fault()
            }
            fn set_timing(&self, timing: $crate::devices::Timing) {
                self.0.set_timing(timing)
            }
            fn timing(&self) -> $crate::devices::Timing {
                self.0.timing()
            }
        }
    };
}
pub(crate) use impl_sim_handle;

/// The plain `Device` impl of a simulated device whose health is just its injected fault.
macro_rules! impl_sim_device {
    ($backend:ty, $kind:expr) => {
        #[async_trait::async_trait]
        impl drivers::Device for $backend {
            fn kind(&self) -> drivers::DeviceKind {
                $kind
            }
            async fn health(&mut self) -> drivers::Health {
                self.0.base_health()
            }
            async fn reset(&mut self) -> Result<(), drivers::DeviceError> {
                self.0.check_fault().await
            }
        }
    };
}
pub(crate) use impl_sim_device;

/// Sleep for `d`, or not at all when it is zero (a device simulated without latency): a timer due
/// now still goes into the runtime's timer wheel and wakes its driver.
pub(crate) async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}
