//! Exponential backoff with jitter for retries against central: the waits double from `base` up to
//! `max`, each drawn at random from its upper half so a hall's kiosks coming back together do not
//! all knock at the same instant.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// The retry schedule.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
    rng: ChaCha8Rng,
}

impl Backoff {
    /// Waits from `base` doubling to `max`; `seed` makes the jitter reproducible.
    pub fn new(base: Duration, max: Duration, seed: u64) -> Backoff {
        Backoff { base, max: max.max(base), failures: 0, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// A success: start again from `base`.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Another failure: how long to wait before the next try.
    pub fn next_wait(&mut self) -> Duration {
        let cap = self.base.saturating_mul(1 << self.failures.min(20)).min(self.max);
        self.failures = self.failures.saturating_add(1);
        let cap_ms = cap.as_millis().min(u128::from(u64::MAX)) as u64;
        Duration::from_millis(self.rng.random_range(cap_ms / 2..=cap_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_jitter_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(3), 7);
        let caps = [100, 200, 400, 800, 1600, 3000, 3000, 3000];
        for cap in caps {
            let w = b.next_wait().as_millis() as u64;
            assert!((cap / 2..=cap).contains(&w), "{w} ms for a cap of {cap}");
        }
        assert_eq!(b.failures(), 8);
        b.reset();
        assert!(b.next_wait() <= Duration::from_millis(100));
    }

    #[test]
    fn kiosks_with_different_seeds_spread_out() {
        let waits: std::collections::BTreeSet<_> = (0..8)
            .map(|seed| {
                let mut b = Backoff::new(Duration::from_millis(1000), Duration::from_secs(60), seed);
                (0..4).map(|_| b.next_wait()).last()
            })
            .collect();
        assert!(waits.len() > 4, "jitter spreads retries: {waits:?}");
    }

    #[test]
    fn many_failures_never_overflow() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 1);
        for _ in 0..1000 {
            assert!(b.next_wait() <= Duration::from_secs(30));
        }
    }
}
