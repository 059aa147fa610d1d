//! Wall-clock time read through tokio's clock, so timestamps that cross the [`Backend`] seam
//! are wall-clock ([`SystemTime`], what a remote API server's `timestamps=true` gives) while
//! tests can still pause and advance time.
//!
//! Every timestamp kubedrill makes is `anchor wall time + (instant - anchor instant)`, with one
//! anchor per process taken on first use. Two reasons: a local backend's log reader stamps lines
//! with a monotonic [`std::time::Instant`], and the runner reads [`tokio::time::Instant`] (which
//! is virtual under `tokio::time::pause()`): both map onto one wall-clock line, so `since:` and
//! `after:` compare like with like, and a wall-clock step (NTP) in the middle of a run cannot
//! reorder events. Against a real cluster, kubedrill's wall time and the API server's agree to
//! within the clocks' skew, which is what a user of `kubectl logs --timestamps` gets too.
//!
//! Under a paused tokio clock, [`now`] moves with `advance()`, while a real process's log lines
//! are stamped in real time: that is why virtual-time tests use the local backend's
//! [`RuntimeKind::Simulated`](super::RuntimeKind::Simulated) containers, which run no process.
//!
//! [`Backend`]: super::Backend

use std::sync::OnceLock;
use std::time::{Instant, SystemTime};

static ANCHOR: OnceLock<(SystemTime, Instant)> = OnceLock::new();

fn anchor() -> (SystemTime, Instant) {
    *ANCHOR.get_or_init(|| (SystemTime::now(), Instant::now()))
}

/// The wall-clock time of a monotonic `instant` (e.g. when a log line was read).
pub fn wall_at(instant: Instant) -> SystemTime {
    let (wall, mono) = anchor();
    match instant.checked_duration_since(mono) {
        Some(after) => wall + after,
        None => wall - mono.saturating_duration_since(instant),
    }
}

/// Now, on tokio's clock (virtual under `tokio::time::pause()`), as wall-clock time.
pub fn now() -> SystemTime {
    wall_at(tokio::time::Instant::now().into_std())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn now_follows_the_paused_clock() {
        let before = now();
        tokio::time::advance(Duration::from_secs(75)).await;
        let after = now();
        let moved = after.duration_since(before).unwrap_or_default();
        assert!(
            moved >= Duration::from_secs(75) && moved < Duration::from_secs(76),
            "{moved:?}"
        );
    }

    #[test]
    fn instants_before_the_anchor_map_before_it() {
        let earlier = Instant::now();
        let (wall, mono) = anchor();
        let mapped = wall_at(earlier);
        assert!(mapped <= wall || earlier >= mono);
        assert!(wall_at(mono + Duration::from_secs(2)) == wall + Duration::from_secs(2));
    }
}
