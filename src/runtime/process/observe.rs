//! Looking at a running container from outside: its real environment and its files as it
//! sees them.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The environment of process `pid` as the kernel holds it (`/proc/PID/environ`): what the
/// container's process was exec'd with, in the order given. Entries without `=` are skipped;
/// invalid UTF-8 is replaced.
///
/// A process in the middle of `execve` (a shell's `exec sleep`, an interpreter's launcher) shows
/// an empty or partial environ for a moment while the kernel swaps its memory: a read counts
/// only when the next read gives the same bytes, so an `env` assertion does not see variables
/// "missing" by chance. Bounded: after the retries the last read is taken as it is.
pub fn env_of_process(pid: u32) -> io::Result<Vec<(String, String)>> {
    let path = format!("/proc/{pid}/environ");
    let mut raw = fs::read(&path)?;
    for _ in 0..EXEC_RETRIES {
        let again = fs::read(&path)?;
        if !again.is_empty() && again == raw {
            break;
        }
        raw = again;
        std::thread::sleep(EXEC_RETRY_PAUSE);
    }
    Ok(parse_environ(&raw))
}

/// How often, and how far apart, an unsettled environ is read again (see [`env_of_process`]).
const EXEC_RETRIES: usize = 25;
const EXEC_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

fn parse_environ(raw: &[u8]) -> Vec<(String, String)> {
    raw.split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| {
            let eq = entry.iter().position(|b| *b == b'=')?;
            Some((
                String::from_utf8_lossy(&entry[..eq]).into_owned(),
                String::from_utf8_lossy(&entry[eq + 1..]).into_owned(),
            ))
        })
        .collect()
}

/// The path under `/proc/PID/root` that shows `path` as process `pid` sees it (`..` is
/// refused: at that root it would climb out into the host).
pub(crate) fn path_in(pid: u32, path: &Path) -> io::Result<PathBuf> {
    let mut out = PathBuf::from(format!("/proc/{pid}/root"));
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{}: '..' is not allowed", path.display()),
                ));
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(out)
}

/// Reads `path` as process `pid` sees it, through `/proc/PID/root`: the magic link enters the
/// process's root and mount namespace, so its bind mounts (and the mirrors that hold the
/// mountPaths) are visible — no `setns` needed. Absolute symlinks inside the container are
/// resolved against the host root, so read a resolved path or a relative link chain (as the
/// `..data` links of a projected volume are).
pub fn read_file_in(pid: u32, path: &Path) -> io::Result<Vec<u8>> {
    fs::read(path_in(pid, path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environ_splits_on_the_first_equals() {
        let env = parse_environ(b"A=1\0B=x=y\0NOEQ\0\0C=\0");
        assert_eq!(
            env,
            vec![
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "x=y".to_string()),
                ("C".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn own_environment_is_readable() -> io::Result<()> {
        env_of_process(std::process::id())?;
        Ok(())
    }

    /// A process that execs itself hundreds of times: every read of its environment, taken
    /// at random points of those execs, sees its variable (an unretried read saw it "missing").
    #[test]
    fn environ_read_during_exec_is_never_empty() -> io::Result<()> {
        let script = r#"[ "$1" -gt 0 ] && exec sh -c "$0" "$0" $(($1 - 1)); sleep 0.05"#;
        let mut child = std::process::Command::new("sh")
            .args(["-c", script, script, "400"])
            .env_clear()
            .env("KD_FIRST", "1")
            .env("KD_MARK", "present")
            .env("KD_LAST", "3")
            .spawn()?;
        let pid = child.id();
        let (mut reads, mut missing) = (0, 0);
        while child.try_wait()?.is_none() {
            match env_of_process(pid) {
                Ok(env) => {
                    reads += 1;
                    let has =
                        |key: &str, value: &str| env.iter().any(|(k, v)| k == key && v == value);
                    if !(has("KD_FIRST", "1") && has("KD_MARK", "present") && has("KD_LAST", "3")) {
                        missing += 1;
                    }
                }
                Err(_) => break, // exited and reaped between try_wait and the read
            }
        }
        child.wait()?;
        assert!(reads > 50, "too few reads to mean anything: {reads}");
        assert_eq!(missing, 0, "{missing} of {reads} reads missed the variable");
        Ok(())
    }

    #[test]
    fn paths_map_under_proc_root() {
        assert_eq!(
            path_in(7, Path::new("/etc/./x/y")).ok(),
            Some(PathBuf::from("/proc/7/root/etc/x/y"))
        );
        assert!(path_in(7, Path::new("/etc/../x")).is_err());
    }
}
