//! Turning what the API server and the container say into [`Observed`] values. Pure: each
//! function takes an API object or a command's output, so the shapes are tested with real
//! API output and no cluster.

use std::time::SystemTime;

use k8s_openapi::api::core::v1::{Event, Pod};

use crate::backend::{LogLine, Observed};
use crate::scenario::format::{ContainerStateKind, PodPhase};

/// The `sh` script of a `file:` observation (`$1` is the path): a `link:` line when the path
/// is a symlink, then `stat:MODE:TYPE` of what it resolves to, then `dir`, or `content:` and
/// the bytes; `missing` when nothing is there.
pub const FILE_PROBE: &str = "p=$1; \
if [ -L \"$p\" ]; then printf 'link:%s\\n' \"$(readlink \"$p\")\"; fi; \
if [ -e \"$p\" ]; then stat -L -c 'stat:%a:%F' \"$p\" || exit 3; \
if [ -d \"$p\" ]; then echo dir; else echo content:; exec cat \"$p\"; fi; \
else echo missing; fi";

/// The `sh` script of a `dir:` observation: `dir:` and `ls -1a`, or `missing`.
pub const DIR_PROBE: &str =
    "if [ -d \"$1\" ]; then echo dir:; exec ls -1a \"$1\"; else echo missing; fi";

/// The command of a `file:` observation.
pub fn file_command(path: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        FILE_PROBE.into(),
        "kubedrill-probe".into(),
        path.into(),
    ]
}

/// The command of a `dir:` observation.
pub fn dir_command(path: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        DIR_PROBE.into(),
        "kubedrill-probe".into(),
        path.into(),
    ]
}

/// The command of an `env:` observation (no shell needed).
pub fn env_command() -> Vec<String> {
    vec!["cat".into(), "/proc/1/environ".into()]
}

/// Parses [`FILE_PROBE`]'s output.
pub fn parse_file_probe(out: &[u8]) -> Observed {
    let (head, content) = match find(out, b"content:\n") {
        Some(i) => (&out[..i], Some(out[i + b"content:\n".len()..].to_vec())),
        None => (out, None),
    };
    let head = String::from_utf8_lossy(head);
    let mut link_target = None;
    let mut mode = None;
    let mut is_dir = false;
    for line in head.lines() {
        if let Some(t) = line.strip_prefix("link:") {
            link_target = Some(t.to_string());
        } else if let Some(s) = line.strip_prefix("stat:") {
            mode = s
                .split(':')
                .next()
                .and_then(|m| u32::from_str_radix(m, 8).ok());
        } else if line == "dir" {
            is_dir = true;
        } else if line != "missing" && !line.is_empty() {
            return Observed::Unavailable(format!("unexpected probe output {line:?}"));
        }
    }
    Observed::File {
        content,
        mode: if is_dir || mode.is_some() { mode } else { None },
        link_target,
        is_dir,
    }
}

/// Parses [`DIR_PROBE`]'s output: names without `.`, `..` and kubelet's `..`-entries, sorted.
pub fn parse_dir_probe(out: &[u8]) -> Observed {
    let text = String::from_utf8_lossy(out);
    let mut lines = text.lines();
    match lines.next() {
        Some("dir:") => {
            let mut names: Vec<String> = lines
                .filter(|n| !n.is_empty() && *n != "." && !n.starts_with(".."))
                .map(str::to_string)
                .collect();
            names.sort();
            Observed::Dir(Some(names))
        }
        Some("missing") => Observed::Dir(None),
        other => Observed::Unavailable(format!("unexpected probe output {other:?}")),
    }
}

/// `NAME`'s value in a `/proc/1/environ` (NUL-separated `NAME=value`).
pub fn env_value(environ: &[u8], name: &str) -> Observed {
    let value = environ
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            let (k, v) = text.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
        .next_back();
    Observed::Env(value)
}

/// Log lines of the logs API with `timestamps=true` (`2026-12-02T10:40:00.123456789Z text`),
/// each stamped with the node's wall-clock time (a line without a readable stamp gets `now`).
pub fn parse_logs(text: &str, now: SystemTime) -> Observed {
    let lines = text
        .lines()
        .map(|line| {
            let (stamp, rest) = line.split_once(' ').unwrap_or((line, ""));
            let at = humantime::parse_rfc3339_weak(stamp).unwrap_or(now);
            LogLine {
                at,
                text: rest.to_string(),
            }
        })
        .collect();
    Observed::Log(lines)
}

/// A container's status in the pod (`containerStatuses`, then `initContainerStatuses`).
pub fn container_observed(pod: &Pod, name: &str) -> Observed {
    let status = pod.status.as_ref().and_then(|s| {
        s.container_statuses
            .iter()
            .flatten()
            .chain(s.init_container_statuses.iter().flatten())
            .find(|c| c.name == name)
    });
    let Some(c) = status else {
        return Observed::Unavailable(format!("no status of container {name} yet"));
    };
    let (state, reason) = match &c.state {
        Some(s) if s.running.is_some() => (ContainerStateKind::Running, None),
        Some(s) if s.terminated.is_some() => (
            ContainerStateKind::Terminated,
            s.terminated.as_ref().and_then(|t| t.reason.clone()),
        ),
        Some(s) => (
            ContainerStateKind::Waiting,
            s.waiting.as_ref().and_then(|w| w.reason.clone()),
        ),
        None => (ContainerStateKind::Waiting, None),
    };
    Observed::Container {
        state,
        reason,
        restarts: u32::try_from(c.restart_count).unwrap_or(0),
    }
}

/// The pod's phase (`Pending` before the API server set one).
pub fn pod_observed(pod: &Pod) -> Observed {
    Observed::Pod {
        phase: match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            None | Some("Pending") => PodPhase::Pending,
            Some("Running") => PodPhase::Running,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            Some(_) => PodPhase::Unknown,
        },
    }
}

/// The messages of the events with `reason`, oldest first.
pub fn events_observed(events: &[Event], reason: &str) -> Observed {
    let mut matching: Vec<&Event> = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .collect();
    matching.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    Observed::Events(
        matching
            .into_iter()
            .map(|e| e.message.clone().unwrap_or_default())
            .collect(),
    )
}

/// One event as a diagnostics line: `Warning FailedMount (x3): message`.
pub fn event_line(e: &Event) -> String {
    format!(
        "{} {}{}: {}",
        e.type_.as_deref().unwrap_or("Normal"),
        e.reason.as_deref().unwrap_or(""),
        match e.count {
            Some(n) if n > 1 => format!(" (x{n})"),
            _ => String::new(),
        },
        e.message.as_deref().unwrap_or("")
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
