//! The systemd notify protocol (`Type=notify`): READY=1 once the store is open and the devices are
//! probed, STATUS= lines saying what the kiosk is doing (never who is at it), WATCHDOG=1 from the
//! kiosk's main loop (so a loop that hangs stops pinging and systemd restarts the daemon),
//! RELOADING=1 on SIGHUP and STOPPING=1 on SIGTERM. Outside systemd (no NOTIFY_SOCKET) it is silent.

use sd_notify::NotifyState;
use std::time::Duration;

/// Talks to the service manager.
#[derive(Debug, Clone, Copy)]
pub struct Notifier {
    watchdog: Option<Duration>,
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

impl Notifier {
    /// From the environment systemd gives the service.
    pub fn from_env() -> Notifier {
        Notifier { watchdog: sd_notify::watchdog_enabled() }
    }

    /// How often to ping: half the watchdog timeout, when systemd watches.
    pub fn ping_every(&self) -> Option<Duration> {
        self.watchdog.map(|w| w / 2)
    }

    /// Startup is finished.
    pub fn ready(&self, status: &str) {
        send(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// Alive (from the main loop), and what it is doing.
    pub fn alive(&self, status: &str) {
        send(&[NotifyState::Watchdog, NotifyState::Status(status)]);
    }

    /// Reloading the configuration; `done` once it is applied (or refused).
    pub fn reloading(&self, done: Option<&str>) {
        match done {
            None => match NotifyState::monotonic_usec_now() {
                Ok(now) => send(&[NotifyState::Reloading, now]),
                Err(_) => send(&[NotifyState::Reloading]),
            },
            Some(status) => send(&[NotifyState::Ready, NotifyState::Status(status)]),
        }
    }

    /// Stopping.
    pub fn stopping(&self, status: &str) {
        send(&[NotifyState::Stopping, NotifyState::Status(status)]);
    }
}
