//! The Kubernetes version whose kubelet behaviour is reproduced, where versions differ (§6.4).

use std::fmt;
use std::str::FromStr;

/// A Kubernetes minor version such as `1.29`. The default is the current behaviour (1.34).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// Major version, always 1 today.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// The behaviour kubedrill reproduces unless told otherwise.
    pub const CURRENT: KubeVersion = KubeVersion {
        major: 1,
        minor: 34,
    };

    /// Builds `1.<minor>`.
    pub const fn v1(minor: u32) -> Self {
        KubeVersion { major: 1, minor }
    }

    /// kubelet ≤ 1.29 drops envFrom keys that are not C-identifier-like (§6.4).
    pub fn skips_invalid_env_names(self) -> bool {
        self < KubeVersion::v1(30)
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        Self::CURRENT
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a version string was not understood.
#[derive(Debug, thiserror::Error)]
#[error("invalid Kubernetes version {0:?} (hint: write it as 1.29 or v1.34)")]
pub struct ParseVersionError(String);

impl FromStr for KubeVersion {
    type Err = ParseVersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseVersionError(s.to_string());
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        // A patch level is accepted and ignored: behaviour differs by minor version only.
        if let Some(patch) = parts.next() {
            patch.parse::<u32>().map_err(|_| bad())?;
        }
        if parts.next().is_some() || major != 1 {
            return Err(bad());
        }
        Ok(KubeVersion { major, minor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        assert_eq!("1.29".parse::<KubeVersion>().unwrap(), KubeVersion::v1(29));
        assert_eq!(
            "v1.34.2".parse::<KubeVersion>().unwrap(),
            KubeVersion::v1(34)
        );
        assert!("2.0".parse::<KubeVersion>().is_err());
        assert!("1".parse::<KubeVersion>().is_err());
        assert!(KubeVersion::v1(29).skips_invalid_env_names());
        assert!(!KubeVersion::v1(30).skips_invalid_env_names());
    }
}
