//! Which kubelet `syncFrequency` a node gets from the scenarios' timing. One node serves the
//! whole run, so one value is chosen: `fast` scenarios want propagation within seconds (5 s;
//! the cluster backend also touches the pod after each mutation), `kubelet` scenarios want
//! kubelet's default (1 m), custom timings their `syncPeriod`. When they disagree the slowest
//! wins: a fast scenario still converges on a slow node (touching the pod syncs it at once),
//! while a faithful scenario would pass wrongly on a fast node.

use std::time::Duration;

use crate::scenario::format::Timing;

/// The sync frequency `fast` scenarios get.
pub const FAST_SYNC: Duration = Duration::from_secs(5);

/// The chosen value and why, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncChoice {
    /// The kubelet `syncFrequency`.
    pub frequency: Duration,
    /// Which timing it comes from, e.g. `fast` or `kubelet (2 of 5 scenarios)`.
    pub reason: String,
}

/// The frequency for scenarios with these timings (empty: `fast`).
pub fn sync_frequency_for(timings: &[&Timing]) -> SyncChoice {
    let of = |t: &Timing| match t {
        Timing::Fast => (FAST_SYNC, "fast"),
        Timing::Kubelet => (Timing::KUBELET_SYNC_PERIOD, "kubelet"),
        Timing::Custom { sync_period, .. } => (*sync_period, "custom syncPeriod"),
    };
    let Some((frequency, name)) = timings.iter().map(|t| of(t)).max_by_key(|(d, _)| *d) else {
        return SyncChoice {
            frequency: FAST_SYNC,
            reason: "fast".into(),
        };
    };
    let same = timings.iter().filter(|t| of(t).0 == frequency).count();
    let reason = if same == timings.len() {
        name.to_string()
    } else {
        format!(
            "{name} ({same} of {} scenarios; the slowest timing wins on a shared node)",
            timings.len()
        )
    };
    SyncChoice { frequency, reason }
}
