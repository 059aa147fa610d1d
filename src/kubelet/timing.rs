//! When kubelet notices a change (§7): the sync period with jitter, and how its view of
//! ConfigMaps and Secrets follows the API (watch, TTL cache, get).
//!
//! Pure: it draws delays and never reads a clock. Whoever schedules with them (the local
//! backend) adds them to [`tokio::time::Instant`]s, so a paused tokio clock (tests) runs the
//! 60–90 s periods in virtual time.

use std::time::Duration;

/// kubelet's `configMapAndSecretChangeDetectionStrategy` (§7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// The default: a watch keeps the object cache current almost at once.
    Watch,
    /// A TTL cache: objects are re-fetched when older than the TTL.
    Cache,
    /// A fetch on every sync.
    Get,
}

impl Detection {
    /// `watch`, `cache` or `get`, as scenario files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Detection::Watch => "watch",
            Detection::Cache => "cache",
            Detection::Get => "get",
        }
    }
}

/// A timing profile: `fast`, `kubelet`, or custom values.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingProfile {
    /// `fast`, `kubelet` or `custom`, for reports.
    pub name: String,
    /// `None`: re-sync right after every mutation (the `fast` profile). `Some(d)`: each pod
    /// is re-synced after `Jitter(d, jitter)` (§7.3).
    pub sync_period: Option<Duration>,
    /// The jitter factor: the delay is `d + rand() * jitter * d`.
    pub jitter: f64,
    /// How kubelet's object view follows the API.
    pub detection: Detection,
    /// The TTL of the `Cache` strategy.
    pub cache_ttl: Duration,
    /// Seed of the jitter's random numbers, so runs repeat.
    pub seed: u64,
}

impl TimingProfile {
    /// Re-sync right after every mutation: deterministic, milliseconds.
    pub fn fast() -> Self {
        TimingProfile {
            name: "fast".into(),
            sync_period: None,
            jitter: 0.0,
            detection: Detection::Watch,
            cache_ttl: Duration::ZERO,
            seed: 0,
        }
    }

    /// kubelet's defaults: a 60 s sync period with jitter 0.5 (60–90 s), watch detection.
    pub fn kubelet(seed: u64) -> Self {
        TimingProfile {
            name: "kubelet".into(),
            sync_period: Some(Duration::from_secs(60)),
            jitter: 0.5,
            detection: Detection::Watch,
            cache_ttl: Duration::from_secs(60),
            seed,
        }
    }

    /// True for the `fast` profile (sync on every mutation).
    pub fn syncs_on_mutation(&self) -> bool {
        self.sync_period.is_none()
    }

    /// The delay until the next periodic sync, drawn from `rng` (`wait.Jitter`).
    pub fn next_sync_delay(&self, rng: &mut SplitMix64) -> Option<Duration> {
        let period = self.sync_period?;
        let factor = if self.jitter > 0.0 {
            self.jitter * rng.next_f64()
        } else {
            0.0
        };
        Some(period + period.mul_f64(factor))
    }

    /// One line for reports, e.g. `kubelet (sync 60s, jitter 0.5, watch, seed 7)`.
    pub fn describe(&self) -> String {
        match self.sync_period {
            None => self.name.clone(),
            Some(p) => format!(
                "{} (sync {}, jitter {}, {}{}, seed {})",
                self.name,
                crate::duration::written(p),
                self.jitter,
                self.detection.as_str(),
                if self.detection == Detection::Cache {
                    format!(" ttl {}", crate::duration::written(self.cache_ttl))
                } else {
                    String::new()
                },
                self.seed
            ),
        }
    }
}

/// A tiny seedable generator (SplitMix64): enough for jitter, and the same sequence for the
/// same seed on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_7_3_kubelet_delay_is_60_to_90s_and_seeded() {
        let p = TimingProfile::kubelet(7);
        let mut a = SplitMix64::new(p.seed);
        let mut b = SplitMix64::new(p.seed);
        for _ in 0..1000 {
            let d = p.next_sync_delay(&mut a).unwrap();
            assert!(
                d >= Duration::from_secs(60) && d < Duration::from_secs(90),
                "{d:?}"
            );
            assert_eq!(Some(d), p.next_sync_delay(&mut b));
        }
    }

    #[test]
    fn timing_fast_syncs_on_mutation() {
        let p = TimingProfile::fast();
        assert!(p.syncs_on_mutation());
        assert_eq!(p.next_sync_delay(&mut SplitMix64::new(1)), None);
    }
}
