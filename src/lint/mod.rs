//! `kubedrill lint`: static findings about how manifests consume ConfigMaps and Secrets.
//!
//! This module owns the rules below: it reads a [`ManifestSet`](crate::api::ManifestSet) (and, to point a finding at
//! the line of its field, the manifest files again) and returns data. It never changes a
//! file, never contacts a cluster, and never puts a ConfigMap or Secret *value* in a finding.
//! The CLI prints findings as `LOCATION: LEVEL CODE: MESSAGE (hint: HINT)`, as JSON or as SARIF
//! 2.1.0 ([`render`]) and exits 1 when any is at or above `--fail-on` (default: warning).
//! `--allow KD009` switches a rule off for a run ([`LintOptions`]); the annotation
//! `kubedrill.dev/lint-ignore: KD003,KD005` on a ConfigMap, Secret or workload switches rules
//! off for the findings about that object. Section numbers (§) refer to `spec/kubelet-behaviour.md`.
//!
//! | code | level | what | why | fix |
//! |---|---|---|---|---|
//! | KD001 | warning | a ConfigMap key named like a credential (`password`, `passwd`, `secret`, `token`, `credential`, `api-key`, `private-key` as a word part) with a plausible value, a value with a password in a URL (`scheme://user:pass@host`), or a file-like value setting such a key | ConfigMaps are not access-controlled or encrypted like Secrets and print in plain text | move it to a Secret (`secretKeyRef` or a secret volume) |
//! | KD002 | warning | a `volumeMount` with `subPath`/`subPathExpr` of a configMap, secret or projected volume | kubelet bind-mounts the resolved file once; it never receives updates (§5.2) | mount the whole volume at a directory and read the file from it, or restart on change |
//! | KD003 | warning / info | one object consumed both as env (envFrom, `*KeyRef`) and as a volume in one pod (warning); only as env (info) | env is computed once per container start (§6.7): the env copy goes stale while the files change | pick one delivery; for hot reload read the volume |
//! | KD004 | error | a non-optional reference to a ConfigMap/Secret not in the linted manifests (same namespace), or to a key it lacks (`items[].key`, `*KeyRef.key`) | the pod stays ContainerCreating with FailedMount (§2.3, §2.4, §3.3), or the container waits with CreateContainerConfigError (§6.3, §6.6) | add the object to the linted manifests, fix the key, or mark the reference `optional: true` |
//! | KD005 | warning | a Secret `type` that is not built-in but looks like one (`tls`, `opaque`, `basic-auth`, `kubernetes.io/TLS`, …) | the API server accepts it as a custom type: required keys are not checked (§8.4) and tools do not recognise it | the built-in type, e.g. `kubernetes.io/tls` (delete and re-create: type is immutable) |
//! | KD006 | info | an immutable ConfigMap/Secret mounted as a volume | kubelet stops watching it: no update, and even delete + re-create is not seen by running pods (§2.8) | roll out a new name |
//! | KD007 | warning | a Secret volume (or projected secret source) whose file mode is readable by others (`mode & 0o004`), including the default 0644 | any user in the container can read the Secret (§3.1, §4.3) | `defaultMode: 0400` (0440 with fsGroup) |
//! | KD008 | info | envFrom keys (with prefix) that are not C identifiers (`[A-Za-z_][A-Za-z0-9_]*`) | kubelet ≤1.29 drops names outside `[-._a-zA-Z][-._a-zA-Z0-9]*` with an `InvalidEnvironmentVariableNames` event, 1.30+ passes them (§6.4); shells cannot expand names with `-` or `.` | rename the keys or use a prefix |
//! | KD009 | info | a ConfigMap no workload of the linted manifests references (only when there is a workload) | a typo in a name or namespace, or a leftover | fix the reference, delete it, or lint it with its workload |
//!
//! A manifest the API server would refuse (a bad key, a container named `../../x`, a mount of
//! an unknown volume, … see [`crate::api::pod_spec`]) is not a finding: loading fails first and
//! `lint` exits 2 with the API server's message at the field's file:line:column, like every
//! other command.
//!
//! Levels: an error means kubelet will not start the pod, a warning a likely bug or security
//! problem, info something worth knowing about reload behaviour.

mod credentials;
mod finding;
mod findings;
mod ignore;
mod locate;
mod object_rules;
mod objects;
mod output;
mod pod_rules;
mod refs;
mod rules;
mod run;
#[cfg(test)]
mod tests;

pub use finding::{Finding, Level, UnknownLevel};
pub use ignore::IGNORE_ANNOTATION;
pub use output::{OutputFormat, UnknownFormat, render, should_fail};
pub use rules::{RULES, Rule, UnknownRule, parse_allow, rule};
pub use run::{LintOptions, lint, lint_with_options};
