//! Rules about how one workload's pod consumes ConfigMaps and Secrets: KD002 (subPath), KD003
//! (env delivery), KD004 (missing object or key), KD006 (immutable volume), KD007 (Secret file
//! modes) and KD008 (envFrom names).

use std::collections::BTreeMap;

use super::finding::Level;
use super::findings::Findings;
use super::ignore::Subject;
use super::locate::{Anchor, Locator};
use super::objects::ObjectIndex;
use super::refs::{
    ObjectKind, Reference, Via, containers, describe_volume, references, volume_anchors,
};
use crate::api::Workload;
use crate::kubelet::env::{EnvError, INVALID_ENV_NAMES_REASON, is_env_var_name};
use crate::kubelet::payload::MountError;

/// The mode kubelet gives projected files when neither `defaultMode` nor an item mode is set
/// (§2.1, §3.1, §4.3).
const DEFAULT_MODE: i32 = 0o644;

/// Runs every pod rule on `workload`.
pub(crate) fn check(
    workload: &Workload,
    objects: &ObjectIndex<'_>,
    locator: &Locator,
    out: &mut Findings,
) {
    let refs = references(&workload.spec);
    let pod = PodRules {
        workload,
        objects,
        locator,
        refs: &refs,
    };
    pod.sub_paths(out);
    pod.env_delivery(out);
    pod.missing_objects_and_keys(out);
    pod.immutable_volumes(out);
    pod.secret_modes(out);
    pod.env_names(out);
}

struct PodRules<'w, 'r> {
    workload: &'w Workload,
    objects: &'r ObjectIndex<'r>,
    locator: &'r Locator,
    refs: &'r [Reference<'w>],
}

impl PodRules<'_, '_> {
    /// `Deployment web: ` — every message names the workload.
    fn subject(&self) -> String {
        format!("{} {}", self.workload.kind, self.workload.name)
    }

    /// The ConfigMap or Secret `name` in the workload's namespace, as a finding's subject.
    fn object(&self, kind: ObjectKind, name: &str) -> Subject {
        Subject::object(kind, &self.workload.namespace, name)
    }

    fn find(&self, anchors: &[Anchor<'_>]) -> super::locate::Location {
        self.locator.find(&self.workload.origin, anchors)
    }

    /// KD002: a configMap/secret/projected volume mounted with `subPath` never updates (§5.2).
    fn sub_paths(&self, out: &mut Findings) {
        let volumes = self.workload.spec.volumes.as_deref().unwrap_or_default();
        for (container, c) in containers(&self.workload.spec) {
            for mount in c.volume_mounts.iter().flatten() {
                let (field, sub_path) = match (&mount.sub_path, &mount.sub_path_expr) {
                    (Some(p), _) if !p.is_empty() => ("subPath", p),
                    (_, Some(p)) if !p.is_empty() => ("subPathExpr", p),
                    _ => continue,
                };
                let Some(what) = volumes
                    .iter()
                    .find(|v| v.name == mount.name)
                    .and_then(describe_volume)
                else {
                    continue;
                };
                let mut anchors = container.anchors();
                anchors.extend([Anchor::key("volumeMounts"), Anchor::entry(field, sub_path)]);
                out.push(
                    self.find(&anchors),
                    "KD002",
                    Level::Warning,
                    format!(
                        "{}: container {} mounts {what} (volume {}) at {} with {field} {sub_path}: \
                         kubelet bind-mounts the file once, so it never receives updates",
                        self.subject(),
                        container.name,
                        mount.name,
                        mount.mount_path,
                    ),
                    "mount the whole volume at a directory and read the file from there, e.g. via \
                     a symlink in the image; or restart the pod on every change",
                );
            }
        }
    }

    /// KD003: an object delivered as env goes stale; next to a volume of it, the two disagree.
    fn env_delivery(&self, out: &mut Findings) {
        let mut by_object: BTreeMap<(ObjectKind, &str), Vec<&Reference<'_>>> = BTreeMap::new();
        for reference in self.refs {
            by_object
                .entry((reference.kind, reference.name))
                .or_default()
                .push(reference);
        }
        for ((kind, name), refs) in by_object {
            let (env, volumes): (Vec<_>, Vec<_>) = refs.into_iter().partition(|r| r.is_env());
            let Some(first_env) = env.first() else {
                continue;
            };
            let env_list = describe_env(&env);
            let location = self.find(&first_env.anchors());
            if volumes.is_empty() {
                out.about(self.object(kind, name)).push(
                    location,
                    "KD003",
                    Level::Info,
                    format!(
                        "{}: {} {name} reaches the pod only as environment variables ({env_list}): \
                         env is read once at container start, so changes need a restart",
                        self.subject(),
                        kind.as_str(),
                    ),
                    "if it must change without a restart, mount it as a volume and watch the \
                     directory; otherwise roll the pod on every change, e.g. with a checksum \
                     annotation on the pod template",
                );
            } else {
                let volume_list = list(volumes.iter().map(|r| r.describe_via()));
                out.about(self.object(kind, name)).push(
                    location,
                    "KD003",
                    Level::Warning,
                    format!(
                        "{}: {} {name} reaches the pod both as environment variables ({env_list}) \
                         and as files ({volume_list}): an update changes the files but never the \
                         environment, so the app sees two versions until it restarts",
                        self.subject(),
                        kind.as_str(),
                    ),
                    "pick one delivery: for hot reload read the mounted files only; for env, roll \
                     the pod on every change",
                );
            }
        }
    }

    /// KD004: a non-optional reference to an object (or a key of it) the manifests lack.
    fn missing_objects_and_keys(&self, out: &mut Findings) {
        let namespace = self.workload.namespace.as_str();
        for reference in self.refs.iter().filter(|r| !r.optional) {
            let kind = reference.kind;
            let object = self.objects.get(kind, namespace, reference.name);
            let Some(object) = object else {
                let failure = match &reference.via {
                    Via::Volume { volume, .. } => {
                        let reason = format!(
                            "{} \"{}\" not found",
                            kind.kubelet_resource(),
                            reference.name
                        );
                        stuck_mounting(volume, reason)
                    }
                    Via::EnvFrom { .. } | Via::KeyRef { .. } => {
                        let error = match kind {
                            ObjectKind::ConfigMap => EnvError::ConfigMapNotFound {
                                name: reference.name.to_string(),
                            },
                            ObjectKind::Secret => EnvError::SecretNotFound {
                                name: reference.name.to_string(),
                            },
                        };
                        not_starting(&error)
                    }
                };
                out.about(self.object(reference.kind, reference.name)).push(
                    self.find(&reference.anchors()),
                    "KD004",
                    Level::Error,
                    format!(
                        "{}: {} needs {}, which is not in the linted manifests (namespace \
                         {namespace}): {failure}",
                        self.subject(),
                        reference.describe_via(),
                        reference.object(),
                    ),
                    "add the object to the manifests you lint, or mark the reference optional: \
                     true if the app copes without it",
                );
                continue;
            };
            let missing: Vec<(&str, String)> = match &reference.via {
                Via::Volume { volume, items, .. } => items
                    .iter()
                    .filter(|item| !object.has_volume_key(&item.key))
                    .map(|item| {
                        let reason = match kind {
                            ObjectKind::ConfigMap => format!(
                                "configmap references non-existent config key: {}",
                                item.key
                            ),
                            ObjectKind::Secret => {
                                format!("references non-existent secret key: {}", item.key)
                            }
                        };
                        (item.key.as_str(), stuck_mounting(volume, reason))
                    })
                    // kubelet stops at the first missing item.
                    .take(1)
                    .collect(),
                Via::KeyRef { key, .. } if !object.has_env_key(key) => {
                    let (key, namespace, name) = (
                        key.to_string(),
                        namespace.to_string(),
                        reference.name.to_string(),
                    );
                    let error = match kind {
                        ObjectKind::ConfigMap => EnvError::ConfigMapKeyNotFound {
                            key,
                            namespace,
                            name,
                        },
                        ObjectKind::Secret => EnvError::SecretKeyNotFound {
                            key,
                            namespace,
                            name,
                        },
                    };
                    vec![(key_of(&reference.via), not_starting(&error))]
                }
                _ => Vec::new(),
            };
            for (key, failure) in missing {
                let mut anchors = reference.anchors();
                anchors.push(Anchor::entry("key", key));
                let data = if kind == ObjectKind::ConfigMap && reference.is_env() {
                    "data key"
                } else {
                    "key"
                };
                out.about(self.object(reference.kind, reference.name)).push(
                    self.find(&anchors),
                    "KD004",
                    Level::Error,
                    format!(
                        "{}: {} reads {data} {key} of {}, which has no such key: {failure}",
                        self.subject(),
                        reference.describe_via(),
                        reference.object(),
                    ),
                    format!(
                        "add key {key} to {}, fix the key name, or mark the reference optional: \
                         true if the app copes without it",
                        reference.object()
                    ),
                );
            }
        }
    }

    /// KD006: an immutable object mounted as a volume can never change for running pods (§2.8).
    fn immutable_volumes(&self, out: &mut Findings) {
        for reference in self.refs {
            if reference.is_env() {
                continue;
            }
            let object = self
                .objects
                .get(reference.kind, &self.workload.namespace, reference.name);
            if !object.is_some_and(|o| o.is_immutable()) {
                continue;
            }
            out.about(self.object(reference.kind, reference.name)).push(
                self.find(&reference.anchors()),
                "KD006",
                Level::Info,
                format!(
                    "{}: {} mounts immutable {}: kubelet stops watching immutable objects, so it \
                     can never be updated and even deleting and re-creating it is not seen by \
                     running pods",
                    self.subject(),
                    reference.describe_via(),
                    reference.object(),
                ),
                "to change it, create it under a new name, e.g. with a content hash suffix, and \
                 roll the workload to the new name",
            );
        }
    }

    /// KD007: Secret files readable by others (the default 0644 included).
    fn secret_modes(&self, out: &mut Findings) {
        for reference in self.refs {
            let Via::Volume {
                volume,
                items,
                default_mode,
                ..
            } = &reference.via
            else {
                continue;
            };
            if reference.kind != ObjectKind::Secret {
                continue;
            }
            let default = default_mode.unwrap_or(DEFAULT_MODE);
            let readable = |mode: i32| mode & 0o004 != 0;
            let (what, modes, source, anchors) = if items.is_empty() {
                if !readable(default) {
                    continue;
                }
                let (source, anchors) = default_mode_source(*default_mode, reference, volume);
                (
                    "every file of it".to_string(),
                    octal(default),
                    source,
                    anchors,
                )
            } else {
                let open: Vec<_> = items
                    .iter()
                    .filter(|item| readable(item.mode.unwrap_or(default)))
                    .collect();
                let Some(first) = open.first() else {
                    continue;
                };
                let mut modes: Vec<String> = open
                    .iter()
                    .map(|item| octal(item.mode.unwrap_or(default)))
                    .collect();
                modes.dedup();
                let files = if open.len() == 1 { "file" } else { "files" };
                let paths = format!(
                    "the {files} {}",
                    list(open.iter().map(|item| item.path.clone()))
                );
                let (source, anchors) = if first.mode.is_some() {
                    let mut anchors = reference.anchors();
                    anchors.extend([Anchor::entry("path", &first.path), Anchor::key("mode")]);
                    ("", anchors)
                } else {
                    default_mode_source(*default_mode, reference, volume)
                };
                (paths, modes.join(", "), source, anchors)
            };
            out.about(self.object(reference.kind, reference.name)).push(
                self.find(&anchors),
                "KD007",
                Level::Warning,
                format!(
                    "{}: {} puts {} on disk with mode {modes}{source}: any user in the \
                     container can read {what}",
                    self.subject(),
                    reference.describe_via(),
                    reference.object(),
                ),
                "set defaultMode: 0400 on the volume, or 0440 when another user reads it through \
                 fsGroup, and no item mode wider than that",
            );
        }
    }

    /// KD008: envFrom keys that are not C identifiers.
    fn env_names(&self, out: &mut Findings) {
        for reference in self.refs {
            let Via::EnvFrom { prefix, .. } = &reference.via else {
                continue;
            };
            let Some(object) =
                self.objects
                    .get(reference.kind, &self.workload.namespace, reference.name)
            else {
                continue;
            };
            let names: Vec<String> = object
                .env_keys()
                .into_iter()
                .map(|key| format!("{prefix}{key}"))
                .filter(|name| !is_c_identifier(name))
                .collect();
            if names.is_empty() {
                continue;
            }
            let (dropped, shell_only): (Vec<&String>, Vec<&String>) =
                names.iter().partition(|name| !is_env_var_name(name));
            let mut effects = Vec::new();
            if !dropped.is_empty() {
                effects.push(format!(
                    "{} (dropped by kubelet 1.29 and older with a Warning event \
                     {INVALID_ENV_NAMES_REASON}, passed through by 1.30+)",
                    list(dropped.iter().map(|n| n.to_string()))
                ));
            }
            if !shell_only.is_empty() {
                effects.push(format!(
                    "{} (passed through, but a shell cannot expand such a name as $NAME, and \
                     some shells drop it from the environment of the commands they start)",
                    list(shell_only.iter().map(|n| n.to_string()))
                ));
            }
            out.about(self.object(reference.kind, reference.name)).push(
                self.find(&reference.anchors()),
                "KD008",
                Level::Info,
                format!(
                    "{}: {} of {} yields variable names that are not C identifiers: {}",
                    self.subject(),
                    reference.describe_via(),
                    reference.object(),
                    effects.join("; "),
                ),
                "rename the keys to letters, digits and underscores not starting with a digit; \
                 an envFrom prefix such as APP_ fixes a leading digit; or read them from a \
                 mounted volume instead",
            );
        }
    }
}

/// Where a Secret volume's effective default mode comes from, for the message and location.
fn default_mode_source<'a>(
    default_mode: Option<i32>,
    reference: &Reference<'a>,
    volume: &'a str,
) -> (&'static str, Vec<Anchor<'a>>) {
    match (default_mode, &reference.via) {
        (None, _) => (" (the default)", reference.anchors()),
        (Some(_), Via::Volume { projected, .. }) => {
            let mut anchors = volume_anchors(volume);
            if *projected {
                anchors.push(Anchor::key("projected"));
            }
            anchors.push(Anchor::key("defaultMode"));
            (" (defaultMode)", anchors)
        }
        (Some(_), _) => ("", reference.anchors()),
    }
}

fn key_of<'a>(via: &Via<'a>) -> &'a str {
    match via {
        Via::KeyRef { key, .. } => key,
        _ => "",
    }
}

/// What kubelet does about a volume it cannot set up (§2.3, §2.4).
fn stuck_mounting(volume: &str, reason: String) -> String {
    format!(
        "the pod stays ContainerCreating with FailedMount events: {}",
        MountError::new(volume, reason)
    )
}

/// What kubelet does about env it cannot resolve (§6.3, §6.6).
fn not_starting(error: &EnvError) -> String {
    format!("the container does not start ({}: {error})", error.reason())
}

/// `container app: envFrom, env DB_USER, env DB_PASS; container init: envFrom`.
fn describe_env(refs: &[&Reference<'_>]) -> String {
    let mut by_container: Vec<(&str, Vec<String>)> = Vec::new();
    for reference in refs {
        let (container, what) = match &reference.via {
            Via::EnvFrom { container, .. } => (container.name, "envFrom".to_string()),
            Via::KeyRef {
                container,
                variable,
                ..
            } => (container.name, format!("env {variable}")),
            Via::Volume { .. } => continue,
        };
        match by_container.iter_mut().find(|(name, _)| *name == container) {
            Some((_, whats)) => whats.push(what),
            None => by_container.push((container, vec![what])),
        }
    }
    by_container
        .into_iter()
        .map(|(container, whats)| format!("container {container}: {}", whats.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `a, b, c`.
fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// A file mode as written in a manifest: `0644`.
fn octal(mode: i32) -> String {
    format!("{mode:04o}")
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name every shell can expand.
fn is_c_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
