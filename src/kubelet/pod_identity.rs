//! A pod's name and UID as the controllers and the API server give them, before kubelet sees
//! the pod: one place for the naming rules that `project` (controller-like random names, kept
//! across re-runs) and the local backend (a numbered pod per restart) both follow.
//!
//! It owns the shapes only (`web-0` for a StatefulSet, the bare name for a Pod, a v4-UUID-shaped
//! UID); it must not decide when a pod is replaced nor where its identity is stored (the callers
//! do).

use crate::api::manifest::Workload;

/// How a pod of a controller that adds a suffix (Deployment, ReplicaSet, DaemonSet, Job,
/// CronJob) is told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodSuffix {
    /// What the controllers generate: `web-7d4b9c8f6d-x2x7q` for a Deployment,
    /// `job-28930455-x2x7q` for a CronJob, `web-x2x7q` otherwise.
    Random,
    /// A number counting the pods of one run: `web-3` (reproducible across runs).
    Generation(u32),
}

/// The pod's name: a Pod keeps its own, a StatefulSet's only replica is `NAME-0`, other
/// controllers add a suffix.
pub fn pod_name(workload: &Workload, suffix: PodSuffix) -> String {
    let name = &workload.name;
    match (workload.kind.as_str(), suffix) {
        ("Pod", _) => name.clone(),
        ("StatefulSet", _) => format!("{name}-0"),
        (_, PodSuffix::Generation(n)) => format!("{name}-{n}"),
        ("Deployment", PodSuffix::Random) => {
            format!("{name}-{}-{}", random_suffix(10), random_suffix(5))
        }
        ("CronJob", PodSuffix::Random) => format!(
            "{name}-{}-{}",
            rand::random_range(10_000_000u32..99_999_999),
            random_suffix(5)
        ),
        (_, PodSuffix::Random) => format!("{name}-{}", random_suffix(5)),
    }
}

/// A UID in the shape of a Kubernetes UID (a v4 UUID, `xxxxxxxx-xxxx-4xxx-axxx-xxxxxxxxxxxx`)
/// made from `bits`; the version and variant digits replace bits 76-79 and 60-63.
pub fn pod_uid(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// apimachinery's `rand.String`: consonants and digits that cannot spell words.
fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..len)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_has_the_v4_shape_and_keeps_the_given_bits() {
        assert_eq!(
            pod_uid((3u128 << 96) | 0xabc_def0_1234),
            "00000003-0000-4000-a000-0abcdef01234"
        );
        let uid = pod_uid(u128::MAX);
        assert_eq!(uid, "ffffffff-ffff-4fff-afff-ffffffffffff");
    }
}
