//! The table of lint rules (what each `KD` code means, its help text) and which rules a run
//! reports: `--allow KD009` turns a rule off for one run.
//!
//! The table is data for the output formats: SARIF lists every rule with its help so GitHub
//! code scanning can show it next to an annotation. It must stay in step with the rules
//! themselves (`pod_rules`, `object_rules`) and the table in the module doc of [`crate::lint`];
//! a unit test checks that every code a rule can report is here.

use std::collections::BTreeSet;

use super::finding::Level;

/// One lint rule: its stable code and what a user needs to act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable code, e.g. `KD002`.
    pub code: &'static str,
    /// A short PascalCase name, e.g. `SubPathNeverUpdates` (SARIF `name`).
    pub name: &'static str,
    /// The level findings of this rule usually have (KD003 also reports `info`).
    pub level: Level,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it matters and how to fix it.
    pub help: &'static str,
}

/// Every rule, in code order.
pub const RULES: &[Rule] = &[
    Rule {
        code: "KD001",
        name: "CredentialInConfigMap",
        level: Level::Warning,
        summary: "A ConfigMap key or value looks like a credential.",
        help: "ConfigMaps are not access-controlled or encrypted like Secrets and print in plain \
               text. Move the value to a Secret and read it with secretKeyRef or a secret volume.",
    },
    Rule {
        code: "KD002",
        name: "SubPathNeverUpdates",
        level: Level::Warning,
        summary: "A subPath mount of a ConfigMap, Secret or projected volume.",
        help: "kubelet bind-mounts the resolved file once at container start: it never receives \
               updates. Mount the whole volume at a directory and read the file from it, or \
               restart the pod on every change.",
    },
    Rule {
        code: "KD003",
        name: "EnvDeliveryGoesStale",
        level: Level::Warning,
        summary: "An object reaches the pod as environment variables (warning when it is also \
                  mounted as files, info otherwise).",
        help: "Env is computed once per container start: the env copy goes stale while mounted \
               files change. Pick one delivery; for hot reload read the mounted files.",
    },
    Rule {
        code: "KD004",
        name: "MissingObjectOrKey",
        level: Level::Error,
        summary: "A non-optional reference to a ConfigMap, Secret or key the manifests lack.",
        help: "The pod stays ContainerCreating with FailedMount, or the container waits with \
               CreateContainerConfigError. Add the object, fix the key, or mark the reference \
               optional: true.",
    },
    Rule {
        code: "KD005",
        name: "LookalikeSecretType",
        level: Level::Warning,
        summary: "A Secret type that is not built in but reads like one (tls, opaque, …).",
        help: "The API server accepts it as a custom type: the built-in type's required keys are \
               not checked and tools do not recognise it. Use the built-in type, e.g. \
               kubernetes.io/tls (type is immutable: delete and re-create).",
    },
    Rule {
        code: "KD006",
        name: "ImmutableVolume",
        level: Level::Info,
        summary: "An immutable ConfigMap or Secret mounted as a volume.",
        help: "kubelet stops watching immutable objects: no update, and even delete and \
               re-create is not seen by running pods. Roll out a new name instead.",
    },
    Rule {
        code: "KD007",
        name: "SecretReadableByOthers",
        level: Level::Warning,
        summary: "Secret files readable by others (the default mode 0644 included).",
        help: "Any user in the container can read the Secret. Set defaultMode: 0400 (0440 with \
               fsGroup).",
    },
    Rule {
        code: "KD008",
        name: "EnvFromNameNotIdentifier",
        level: Level::Info,
        summary: "envFrom keys that are not C identifiers.",
        help: "kubelet 1.29 and older drops names outside [-._a-zA-Z][-._a-zA-Z0-9]* with an \
               InvalidEnvironmentVariableNames event; shells cannot expand names with - or . \
               Rename the keys or use a prefix.",
    },
    Rule {
        code: "KD009",
        name: "UnusedConfigMap",
        level: Level::Info,
        summary: "A ConfigMap no workload of the linted manifests references.",
        help: "A typo in a name or namespace, or a leftover. Fix the reference, delete it, or \
               lint it together with its workload.",
    },
];

/// The rule with `code`, if there is one.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.code == code)
}

/// `--allow` named a rule that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lint rule `{given}` (hint: {})", self.hint())]
pub struct UnknownRule {
    /// What was given.
    pub given: String,
    /// The closest rule code, if one is close.
    pub suggestion: Option<&'static str>,
}

impl UnknownRule {
    /// `did you mean KD009?`, or the list of codes.
    pub fn hint(&self) -> String {
        match self.suggestion {
            Some(code) => format!("did you mean {code}?"),
            None => format!(
                "rules are {}",
                RULES.iter().map(|r| r.code).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// The codes of `--allow` values (case-insensitive; each value may list several, comma
/// separated), or the first one that names no rule.
pub fn parse_allow(values: &[String]) -> Result<BTreeSet<&'static str>, UnknownRule> {
    let mut allowed = BTreeSet::new();
    for given in values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        if given.is_empty() {
            continue;
        }
        match RULES.iter().find(|r| r.code.eq_ignore_ascii_case(given)) {
            Some(rule) => {
                allowed.insert(rule.code);
            }
            None => {
                return Err(UnknownRule {
                    given: given.to_string(),
                    suggestion: closest_code(given),
                });
            }
        }
    }
    Ok(allowed)
}

/// The rule code nearest to `given` (at most two edits away, ignoring case), or `KD00N` for
/// a bare number or a short form such as `KD9`.
fn closest_code(given: &str) -> Option<&'static str> {
    let upper = given.to_ascii_uppercase();
    let digits = upper.trim_start_matches("KD").trim_start_matches('0');
    if let Ok(n) = digits.parse::<usize>()
        && let Some(rule) = RULES.iter().find(|r| r.code[2..].parse::<usize>() == Ok(n))
    {
        return Some(rule.code);
    }
    RULES
        .iter()
        .map(|r| (edit_distance(&upper, r.code), r.code))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, code)| code)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_in_the_module_doc_table_is_a_rule_and_back() {
        let doc = include_str!("mod.rs");
        let documented: BTreeSet<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("//! | KD"))
            .map(|rest| &rest[..3])
            .collect();
        let table: BTreeSet<&str> = RULES.iter().map(|r| &r.code[2..]).collect();
        assert_eq!(documented, table);
    }

    #[test]
    fn every_code_a_rule_reports_is_in_the_table() {
        for file in [
            include_str!("pod_rules.rs"),
            include_str!("object_rules.rs"),
        ] {
            for (i, _) in file.match_indices("\"KD") {
                let code = &file[i + 1..i + 6];
                assert!(rule(code).is_some(), "{code} reported but not in RULES");
            }
        }
    }

    #[test]
    fn allow_accepts_codes_in_any_case_and_comma_lists() {
        let allowed = parse_allow(&["kd009".into(), "KD003, KD005".into()]);
        assert_eq!(allowed, Ok(BTreeSet::from(["KD003", "KD005", "KD009"])));
    }

    #[test]
    fn allow_of_an_unknown_rule_suggests_the_closest() {
        let err = parse_allow(&["KD0009".into()]).unwrap_err();
        assert_eq!(err.suggestion, Some("KD009"));
        let err = parse_allow(&["9".into()]).unwrap_err();
        assert_eq!(err.suggestion, Some("KD009"));
        let err = parse_allow(&["XD002".into()]).unwrap_err();
        assert_eq!(err.suggestion, Some("KD002"));
        let err = parse_allow(&["subpath".into()]).unwrap_err();
        assert_eq!(err.suggestion, None);
        assert!(err.to_string().contains("rules are KD001, KD002"), "{err}");
    }
}
