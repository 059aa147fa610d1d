//! Decoding one `assert:`: exactly one observation, the predicates that apply to it, and its
//! timing (`within`, `throughout`, `after`).
//!
//! It owns the combinations of predicates that cannot hold and where a misplaced field is
//! reported; which predicates an observation takes is [`ObservationKind::predicates`].
//! It must not decide how an observation is read (`observation` decodes it, the runner
//! performs it) nor what step names exist (`steps`).

use std::time::Duration;

use super::decode::{Result, describe_value, quote_list};
use super::errors::ScenarioErrorKind;
use super::fields::{
    ASSERT_FIELDS, CONTAINER_FIELDS, EVENT_FIELDS, HTTP_FIELDS, OBSERVATIONS, POD_FIELDS,
    PREDICATES,
};
use super::format::{AssertTiming, Assertion, Pattern, Predicates};
use super::observation::ObservationKind;
use super::steps::Steps;
use crate::yaml::Node;

impl Steps<'_, '_> {
    pub(super) fn assert(&self, index: usize, node: &Node) -> Result<Assertion> {
        let cx = self.cx;
        cx.mapping(node, "assert")?;
        // A field of a structured observation written at the assert's level.
        for (key, _) in node.mapping().unwrap_or_default() {
            let field = key.scalar().unwrap_or_default();
            if ASSERT_FIELDS.contains(&field) {
                continue;
            }
            let owner = [
                ("container", *CONTAINER_FIELDS),
                ("pod", *POD_FIELDS),
                ("event", *EVENT_FIELDS),
                ("http", *HTTP_FIELDS),
            ]
            .into_iter()
            .find(|(owner, fields)| fields.contains(&field) && node.get(owner).is_some());
            if let Some((owner, _)) = owner {
                return Err(cx.error(
                    key,
                    ScenarioErrorKind::UnknownField {
                        field: field.to_string(),
                        suggestion: None,
                    },
                    format!("unknown field `{field}` in assert"),
                    format!("`{field}` belongs inside `{owner}: {{…}}`"),
                ));
            }
        }
        let entries = cx.fields(node, *ASSERT_FIELDS, "assert")?;
        // `container: NAME` selects a container; `container: {…}` observes one.
        let observations: Vec<&(Node, Node)> = entries
            .iter()
            .filter(|(key, value)| match key.scalar() {
                Some("container") => value.mapping().is_some(),
                Some(k) => OBSERVATIONS.contains(&k),
                None => false,
            })
            .collect();
        let (obs_key, obs_value) = match observations.as_slice() {
            [(key, value)] => (key, value),
            [] => {
                let hint = if node.get("container").is_some() {
                    format!(
                        "`container: NAME` only picks the container; observe one of {} (or \
                         write `container: {{name: NAME, state: running}}`)",
                        quote_list(&OBSERVATIONS[..6])
                    )
                } else {
                    format!("observe one of {}", quote_list(OBSERVATIONS))
                };
                return Err(cx.structure(node, "assert has no observation", hint));
            }
            [(first, _), (second, _), ..] => {
                let (first, second) = (
                    first.scalar().unwrap_or_default(),
                    second.scalar().unwrap_or_default(),
                );
                return Err(cx.structure(
                    &observations[1].0,
                    format!("assert has two observations, `{first}` and `{second}`"),
                    "an assert observes one thing: split it into two asserts".to_string(),
                ));
            }
        };
        let Some(kind) = obs_key.scalar().and_then(ObservationKind::from_key) else {
            return Err(cx.structure(obs_key, "assert has no observation", None::<String>));
        };
        let (allowed, takes_container) = (kind.predicates(), kind.takes_container());
        for (key, _) in entries {
            let field = key.scalar().unwrap_or_default();
            let misplaced = (PREDICATES.contains(&field) && !allowed.contains(&field))
                || (field == "container" && kind != ObservationKind::Container && !takes_container)
                || (field == "since" && kind != ObservationKind::Log);
            if misplaced {
                let hint = if field == "since" {
                    "since applies to log observations".to_string()
                } else if field == "container" && kind == ObservationKind::Log {
                    "log names its container: `log: NAME`".to_string()
                } else if allowed.is_empty() {
                    format!(
                        "{kind} observations match by the fields inside `{kind}: {{…}}` and take no predicates"
                    )
                } else {
                    format!("{kind} takes {}", quote_list(allowed))
                };
                return Err(cx.structure(
                    key,
                    format!("`{field}` does not apply to `{kind}` observations"),
                    hint,
                ));
            }
        }
        let container = match node.entry("container") {
            Some((_, value)) if kind != ObservationKind::Container => {
                let name = cx.string(value, "container")?;
                self.container(value, &name, true)?;
                Some(name)
            }
            _ => None,
        };
        let observation = self.observation(index, kind, obs_key, obs_value, node, container)?;
        let predicates = self.predicates(node)?;
        let needs_predicate = kind.needs_predicate();
        if needs_predicate && predicates.is_empty() {
            return Err(cx.structure(
                node,
                format!("assert on {kind} has no predicate"),
                format!("add one of {}", quote_list(allowed)),
            ));
        }
        self.check_predicates(node, &predicates)?;
        let (timing, after) = self.timing(index, node)?;
        Ok(Assertion {
            observation,
            predicates,
            timing,
            after,
        })
    }

    fn predicates(&self, node: &Node) -> Result<Predicates> {
        let cx = self.cx;
        let text = |field: &str| node.get(field).map(|n| cx.text(n, field)).transpose();
        let matches = match node.get("matches") {
            Some(n) => {
                let source = cx.text(n, "matches")?;
                Some(Pattern::new(&source).map_err(|err| {
                    cx.invalid(
                        n,
                        format!("invalid regex {source:?}: {}", regex_message(&err)),
                        "matches takes a regular expression (Rust regex syntax): escape \
                         . ( ) [ ] { } with a backslash, and single-quote it in YAML"
                            .to_string(),
                    )
                })?)
            }
            None => None,
        };
        let mode = match node.get("mode") {
            Some(n) => Some(
                parse_mode(n.scalar().filter(|_| !n.is_null())).ok_or_else(|| {
                    cx.invalid(
                        n,
                        format!("invalid mode {}", describe_value(n)),
                        "write the permission bits in octal, e.g. \"0440\" or \"0644\"".to_string(),
                    )
                })?,
            ),
            None => None,
        };
        let status = match node.get("status") {
            Some(n) => {
                let status = cx.integer(n, "status", 599)?;
                if status < 100 {
                    return Err(cx.invalid(
                        n,
                        format!("status {status} is not an HTTP status"),
                        "write a status code from 100 to 599, e.g. 200".to_string(),
                    ));
                }
                Some(u16::try_from(status).unwrap_or(599))
            }
            None => None,
        };
        let sha256 = match node.get("sha256") {
            Some(n) => {
                let written = cx.string(n, "sha256")?;
                let hex: String = written
                    .chars()
                    .filter(|c| *c != ':')
                    .collect::<String>()
                    .to_ascii_lowercase();
                if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(cx.invalid(
                        n,
                        "sha256 must be 64 hex digits",
                        "e.g. from `openssl x509 -noout -fingerprint -sha256` (colons are fine)"
                            .to_string(),
                    ));
                }
                Some(hex)
            }
            None => None,
        };
        Ok(Predicates {
            equals: text("equals")?,
            not_equals: text("notEquals")?,
            contains: text("contains")?,
            not_contains: text("notContains")?,
            matches,
            exists: node
                .get("exists")
                .map(|n| cx.boolean(n, "exists"))
                .transpose()?,
            mode,
            count: node
                .get("count")
                .map(|n| {
                    cx.integer(n, "count", u32::MAX.into())
                        .map(|c| usize::try_from(c).unwrap_or(usize::MAX))
                })
                .transpose()?,
            link_target: node
                .get("linkTarget")
                .map(|n| cx.string(n, "linkTarget"))
                .transpose()?,
            status,
            cn: text("cn")?,
            sha256,
        })
    }

    /// Combinations that cannot hold together.
    fn check_predicates(&self, node: &Node, predicates: &Predicates) -> Result<()> {
        let cx = self.cx;
        if predicates.exists == Some(false) {
            let other = PREDICATES
                .iter()
                .filter(|p| **p != "exists")
                .find_map(|p| node.entry(p));
            if let Some((key, _)) = other {
                return Err(cx.structure(
                    key,
                    format!(
                        "`{}` cannot hold when `exists: false`",
                        key.scalar().unwrap_or_default()
                    ),
                    "assert absence and content in separate steps".to_string(),
                ));
            }
        }
        if let Some((key, _)) = node.entry("count") {
            match (node.entry("contains"), node.entry("matches")) {
                (Some(_), Some((second, _))) => {
                    return Err(cx.structure(
                        second,
                        "count with both `contains` and `matches`",
                        "count counts the matches of one of them: keep one".to_string(),
                    ));
                }
                (None, None) => {
                    return Err(cx.structure(
                        key,
                        "count needs `contains` or `matches`",
                        "count is the number of non-overlapping matches of contains or matches"
                            .to_string(),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn timing(&self, index: usize, node: &Node) -> Result<(AssertTiming, Option<String>)> {
        let cx = self.cx;
        let positive = |n: &Node, field: &str| -> Result<Duration> {
            let duration = cx.duration(n, field)?;
            if duration.is_zero() {
                return Err(cx.invalid(
                    n,
                    format!("{field} must be longer than 0s"),
                    format!("omit {field} to check once, now"),
                ));
            }
            Ok(duration)
        };
        let within = node.entry("within");
        let throughout = node.entry("throughout");
        if let (Some((first, _)), Some((second, _))) = (within, throughout) {
            let later = if (first.line, first.column) > (second.line, second.column) {
                first
            } else {
                second
            };
            return Err(cx.structure(
                later,
                "`within` and `throughout` conflict",
                "within: D passes on the first good sample, throughout: D fails on the first \
                 bad one: pick one (or use two asserts)"
                    .to_string(),
            ));
        }
        let timing = match (within, throughout) {
            (Some((_, n)), _) => AssertTiming::Within(positive(n, "within")?),
            (_, Some((_, n))) => AssertTiming::Throughout(positive(n, "throughout")?),
            _ => AssertTiming::Now,
        };
        let after = match node.entry("after") {
            Some((key, n)) => {
                if !matches!(timing, AssertTiming::Within(_)) {
                    return Err(cx.structure(
                        key,
                        "`after` needs `within`",
                        "after measures how long the change took to show: add `within: D`"
                            .to_string(),
                    ));
                }
                Some(self.earlier_step(index, n, "after")?)
            }
            None => None,
        };
        Ok((timing, after))
    }
}

/// Permission bits written in octal: `0440`, `440`, `0o440`; at most `07777`.
pub(crate) fn parse_mode(text: Option<&str>) -> Option<u32> {
    let text = text?.trim();
    let digits = text.strip_prefix("0o").unwrap_or(text);
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return None;
    }
    u32::from_str_radix(digits, 8).ok().filter(|m| *m <= 0o7777)
}

/// The last line of a regex error (the others show the pattern with a caret).
pub(super) fn regex_message(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("invalid pattern")
        .trim_start_matches("error: ")
        .to_string()
}
