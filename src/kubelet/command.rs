//! `$(VAR)` in a container's `command` and `args` (kubelet's `ExpandContainerCommandAndArgs`,
//! `pkg/kubelet/container/helpers.go`).
//!
//! Before the runtime starts a container, kubelet expands every `$(VAR)` reference in its
//! `command` and `args` from the container's resolved env, with the same rules as env values
//! (§6.5, [`expand`]): an undefined name stays literal `$(VAR)`, `$$` yields `$`, an unterminated
//! `$(` stays. So `args: ["--config=$(CONFIG_PATH)"]` reaches the app as `--config=/etc/app.conf`
//! and a shell never sees `$(CONFIG_PATH)` as a command substitution. kubedrill applies the same
//! expansion to the scenario's `run.command`/`run.args`, the local stand-in for the container's.

use std::collections::HashMap;

use crate::kubelet::env::expand;

/// `command` and `args` with every `$(VAR)` expanded from `env`, the container's resolved env in
/// kubelet's order (a name set twice takes its last value, like kubelet's `envVarsToMap`).
/// Only the container's own env counts: host-side extras (`run.env`, the image's env) are not
/// part of it, exactly as on a node.
pub fn expand_command_and_args(
    command: &[String],
    args: &[String],
    env: &[(String, String)],
) -> (Vec<String>, Vec<String>) {
    let vars: HashMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expand_all = |items: &[String]| -> Vec<String> {
        items
            .iter()
            .map(|item| expand(item, |name| vars.get(name).map(|v| (*v).to_string())))
            .collect()
    };
    (expand_all(command), expand_all(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn env_6_5_command_and_args_expand_defined_vars() {
        let (command, args) = expand_command_and_args(
            &strings(&["sh", "-c", r#"TEST_VAR=wrong echo "$(TEST_VAR)""#]),
            &strings(&["--config=$(CONFIG)", "$(TEST_VAR)$(TEST_VAR)"]),
            &env(&[("TEST_VAR", "test-value"), ("CONFIG", "/etc/app.conf")]),
        );
        assert_eq!(
            command,
            strings(&["sh", "-c", r#"TEST_VAR=wrong echo "test-value""#])
        );
        assert_eq!(
            args,
            strings(&["--config=/etc/app.conf", "test-valuetest-value"])
        );
    }

    #[test]
    fn env_6_5_command_undefined_stays_literal() {
        let (command, args) =
            expand_command_and_args(&strings(&["echo", "$(NOPE)"]), &strings(&["$(NOPE"]), &[]);
        assert_eq!(command, strings(&["echo", "$(NOPE)"]));
        assert_eq!(args, strings(&["$(NOPE"]));
    }

    #[test]
    fn env_6_5_command_dollar_dollar_escapes() {
        let (command, args) = expand_command_and_args(
            &strings(&["sh", "-c", "echo $$(A) $$HOME $A"]),
            &strings(&["$$$(A)"]),
            &env(&[("A", "x")]),
        );
        // `$$(A)` is the literal `$(A)`; a `$` before anything but `$` or `(` stays.
        assert_eq!(command, strings(&["sh", "-c", "echo $(A) $HOME $A"]));
        assert_eq!(args, strings(&["$x"]));
    }

    #[test]
    fn env_6_5_command_empty_value_expands_to_empty() {
        let (command, _) =
            expand_command_and_args(&strings(&["x$(EMPTY)y"]), &[], &env(&[("EMPTY", "")]));
        assert_eq!(command, strings(&["xy"]));
    }

    #[test]
    fn env_6_5_command_last_duplicate_wins_and_no_recursion() {
        let (command, _) = expand_command_and_args(
            &strings(&["$(A)"]),
            &[],
            &env(&[("A", "first"), ("B", "b"), ("A", "$(B)")]),
        );
        assert_eq!(command, strings(&["$(B)"]));
    }
}
