//! What the Docker host must offer before a node container is worth creating: an engine, the
//! cgroup controllers a kubelet needs, and cgroup v2 when Docker runs rootless. Said up
//! front, precisely, rather than as a kubelet that never becomes Ready.

use testcontainers::bollard::Docker;
use testcontainers::bollard::models::{SystemInfo, SystemInfoCgroupVersionEnum};

use super::KindError;

/// What the checks found out about the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFacts {
    /// The host runs cgroup v1.
    pub cgroup_v1: bool,
}

/// Connects to the engine testcontainers uses and checks it answers.
pub async fn connect() -> Result<Docker, KindError> {
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| KindError::DockerUnreachable(e.to_string()))?;
    docker
        .ping()
        .await
        .map_err(|e| KindError::DockerUnreachable(e.to_string()))?;
    Ok(docker)
}

/// Checks the engine's host; returns its facts.
pub async fn check_host(docker: &Docker) -> Result<HostFacts, KindError> {
    let info = docker
        .info()
        .await
        .map_err(|e| KindError::DockerUnreachable(e.to_string()))?;
    check_info(&info)
}

/// The checks on `docker info`'s answer (separate so that they can be tested on canned
/// answers).
pub fn check_info(info: &SystemInfo) -> Result<HostFacts, KindError> {
    let cgroup_v1 = matches!(info.cgroup_version, Some(SystemInfoCgroupVersionEnum::_1));
    let rootless = info
        .security_options
        .iter()
        .flatten()
        .any(|o| o.contains("name=rootless"));
    if rootless && cgroup_v1 {
        return Err(KindError::HostUnsupported(
            "Docker runs rootless on cgroup v1; a rootless kind node needs cgroup v2 with \
             controller delegation (hint: boot the host with systemd.unified_cgroup_hierarchy=1)"
                .into(),
        ));
    }
    let mut missing = Vec::new();
    if info.memory_limit == Some(false) {
        missing.push("memory");
    }
    if info.pids_limit == Some(false) {
        missing.push("pids");
    }
    if info.cpu_cfs_period == Some(false) {
        missing.push("cpu (CFS)");
    }
    if !missing.is_empty() {
        return Err(KindError::HostUnsupported(format!(
            "the kernel (as Docker reports it: {}) has no {} cgroup controller{}, which kubelet \
             needs (hint: enable it on the kernel command line, e.g. cgroup_enable=memory)",
            info.kernel_version.as_deref().unwrap_or("unknown"),
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(HostFacts { cgroup_v1 })
}

/// Whether the engine's answer to creating/starting a container says privileged mode was
/// refused (rootless engines without the right setup, policies such as userns-remap).
pub fn privileged_refused(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    // runc in an engine that lacks the capabilities itself (Docker inside an unprivileged
    // container): "unable to apply caps: operation not permitted".
    m.contains("unable to apply caps")
        || (m.contains("privileged")
            && (m.contains("not allowed")
                || m.contains("denied")
                || m.contains("refuse")
                || m.contains("cannot")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootless_on_cgroup_v1_is_refused_with_the_reason() {
        let info = SystemInfo {
            cgroup_version: Some(SystemInfoCgroupVersionEnum::_1),
            security_options: Some(vec![
                "name=seccomp,profile=default".into(),
                "name=rootless".into(),
            ]),
            ..Default::default()
        };
        let e = check_info(&info).unwrap_err().to_string();
        assert!(e.contains("rootless") && e.contains("cgroup v2"), "{e}");
    }

    #[test]
    fn a_kernel_without_the_memory_controller_is_named() {
        let info = SystemInfo {
            memory_limit: Some(false),
            kernel_version: Some("6.1.0".into()),
            ..Default::default()
        };
        let e = check_info(&info).unwrap_err().to_string();
        assert!(
            e.contains("no memory cgroup controller") && e.contains("6.1.0"),
            "{e}"
        );
    }

    #[test]
    fn a_cgroup_v1_host_is_fine_and_reported() {
        let info = SystemInfo {
            cgroup_version: Some(SystemInfoCgroupVersionEnum::_1),
            memory_limit: Some(true),
            ..Default::default()
        };
        assert_eq!(check_info(&info).unwrap(), HostFacts { cgroup_v1: true });
    }
}
