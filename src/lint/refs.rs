//! Every place a pod spec consumes a ConfigMap or a Secret, as a flat list of [`Reference`]s.
//!
//! Rules reason about references, not about the shape of a `PodSpec`: one walk here knows where
//! kubelet looks for objects (envFrom, `configMapKeyRef`/`secretKeyRef`, configMap/secret
//! volumes, projected sources), in init containers and app containers, and how to find each
//! reference again in the manifest text.

use k8s_openapi::api::core::v1::{Container, KeyToPath, PodSpec, Volume};

use super::locate::Anchor;

/// Which kind of object a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ObjectKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

impl ObjectKind {
    /// `ConfigMap` or `Secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Secret => "Secret",
        }
    }

    /// The resource as kubelet names it in its errors: `configmap` or `secret`.
    pub fn kubelet_resource(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "configmap",
            ObjectKind::Secret => "secret",
        }
    }

    fn env_from_field(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "configMapRef",
            ObjectKind::Secret => "secretRef",
        }
    }

    fn key_ref_field(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "configMapKeyRef",
            ObjectKind::Secret => "secretKeyRef",
        }
    }

    fn volume_field(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "configMap",
            ObjectKind::Secret => "secret",
        }
    }

    fn volume_name_field(self, projected: bool) -> &'static str {
        match self {
            ObjectKind::Secret if !projected => "secretName",
            _ => "name",
        }
    }
}

/// A container, as found in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContainerRef<'a> {
    /// `initContainers` or `containers`.
    pub section: &'static str,
    /// The container's name.
    pub name: &'a str,
}

impl<'a> ContainerRef<'a> {
    /// Anchors that lead to the container's `name:` line.
    pub fn anchors(&self) -> Vec<Anchor<'a>> {
        vec![Anchor::key(self.section), Anchor::entry("name", self.name)]
    }
}

/// How a pod consumes an object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Via<'a> {
    /// `envFrom[].configMapRef` / `envFrom[].secretRef`: every key becomes a variable.
    EnvFrom {
        /// The container.
        container: ContainerRef<'a>,
        /// The envFrom `prefix` ("" when none).
        prefix: &'a str,
    },
    /// `env[].valueFrom.configMapKeyRef` / `secretKeyRef`: one key becomes one variable.
    KeyRef {
        /// The container.
        container: ContainerRef<'a>,
        /// The variable's name.
        variable: &'a str,
        /// The key read.
        key: &'a str,
    },
    /// A configMap/secret volume, or a source of a projected volume.
    Volume {
        /// The pod volume's name.
        volume: &'a str,
        /// Whether the object is a source of a projected volume.
        projected: bool,
        /// `items` (empty: every key).
        items: &'a [KeyToPath],
        /// The volume's `defaultMode` (the projected volume's for a source).
        default_mode: Option<i32>,
    },
}

/// One reference from a pod spec to a ConfigMap or Secret.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reference<'a> {
    /// The object's kind.
    pub kind: ObjectKind,
    /// The object's name (looked up in the pod's namespace).
    pub name: &'a str,
    /// `optional: true`: kubelet copes with a missing object or key.
    pub optional: bool,
    /// How it is consumed.
    pub via: Via<'a>,
}

impl<'a> Reference<'a> {
    /// Whether the object is delivered as environment variables.
    pub fn is_env(&self) -> bool {
        matches!(self.via, Via::EnvFrom { .. } | Via::KeyRef { .. })
    }

    /// `ConfigMap app`.
    pub fn object(&self) -> String {
        format!("{} {}", self.kind.as_str(), self.name)
    }

    /// Where the reference is, for a message: `container app: envFrom`,
    /// `container app: env DB_USER`, `volume config`, `projected volume all`.
    pub fn describe_via(&self) -> String {
        match &self.via {
            Via::EnvFrom { container, .. } => format!("container {}: envFrom", container.name),
            Via::KeyRef {
                container,
                variable,
                ..
            } => format!("container {}: env {variable}", container.name),
            Via::Volume {
                volume, projected, ..
            } => {
                if *projected {
                    format!("projected volume {volume}")
                } else {
                    format!("volume {volume}")
                }
            }
        }
    }

    /// Anchors that lead to the line naming the object (`name:`, `secretName:`).
    pub fn anchors(&self) -> Vec<Anchor<'a>> {
        match &self.via {
            Via::EnvFrom { container, .. } => {
                let mut anchors = container.anchors();
                anchors.extend([
                    Anchor::key("envFrom"),
                    Anchor::key(self.kind.env_from_field()),
                    Anchor::entry("name", self.name),
                ]);
                anchors
            }
            Via::KeyRef {
                container,
                variable,
                ..
            } => {
                let mut anchors = container.anchors();
                anchors.extend([
                    Anchor::key("env"),
                    Anchor::entry("name", variable),
                    Anchor::key(self.kind.key_ref_field()),
                    Anchor::entry("name", self.name),
                ]);
                anchors
            }
            Via::Volume {
                volume, projected, ..
            } => {
                let mut anchors = volume_anchors(volume);
                if *projected {
                    anchors.extend([Anchor::key("projected"), Anchor::key("sources")]);
                }
                anchors.extend([
                    Anchor::key(self.kind.volume_field()),
                    Anchor::entry(self.kind.volume_name_field(*projected), self.name),
                ]);
                anchors
            }
        }
    }
}

/// Anchors that lead to a pod volume's `name:` line.
pub(crate) fn volume_anchors(volume: &str) -> Vec<Anchor<'_>> {
    vec![Anchor::key("volumes"), Anchor::entry("name", volume)]
}

/// The pod's init containers then app containers, with the section each is in.
pub(crate) fn containers(spec: &PodSpec) -> impl Iterator<Item = (ContainerRef<'_>, &Container)> {
    let init = spec.init_containers.iter().flatten().map(|c| {
        (
            ContainerRef {
                section: "initContainers",
                name: &c.name,
            },
            c,
        )
    });
    let app = spec.containers.iter().map(|c| {
        (
            ContainerRef {
                section: "containers",
                name: &c.name,
            },
            c,
        )
    });
    init.chain(app)
}

/// Every reference of the pod spec to a ConfigMap or Secret, containers first (in order), then
/// volumes.
pub(crate) fn references(spec: &PodSpec) -> Vec<Reference<'_>> {
    let mut refs = Vec::new();
    for (container, c) in containers(spec) {
        for source in c.env_from.iter().flatten() {
            let prefix = source.prefix.as_deref().unwrap_or_default();
            if let Some(cm) = &source.config_map_ref {
                refs.push(Reference {
                    kind: ObjectKind::ConfigMap,
                    name: &cm.name,
                    optional: cm.optional.unwrap_or(false),
                    via: Via::EnvFrom { container, prefix },
                });
            }
            if let Some(secret) = &source.secret_ref {
                refs.push(Reference {
                    kind: ObjectKind::Secret,
                    name: &secret.name,
                    optional: secret.optional.unwrap_or(false),
                    via: Via::EnvFrom { container, prefix },
                });
            }
        }
        for var in c.env.iter().flatten() {
            let Some(from) = &var.value_from else {
                continue;
            };
            if let Some(selector) = &from.config_map_key_ref {
                refs.push(Reference {
                    kind: ObjectKind::ConfigMap,
                    name: &selector.name,
                    optional: selector.optional.unwrap_or(false),
                    via: Via::KeyRef {
                        container,
                        variable: &var.name,
                        key: &selector.key,
                    },
                });
            }
            if let Some(selector) = &from.secret_key_ref {
                refs.push(Reference {
                    kind: ObjectKind::Secret,
                    name: &selector.name,
                    optional: selector.optional.unwrap_or(false),
                    via: Via::KeyRef {
                        container,
                        variable: &var.name,
                        key: &selector.key,
                    },
                });
            }
        }
    }
    for volume in spec.volumes.iter().flatten() {
        volume_references(volume, &mut refs);
    }
    refs
}

fn volume_references<'a>(volume: &'a Volume, refs: &mut Vec<Reference<'a>>) {
    if let Some(source) = &volume.config_map {
        refs.push(Reference {
            kind: ObjectKind::ConfigMap,
            name: &source.name,
            optional: source.optional.unwrap_or(false),
            via: Via::Volume {
                volume: &volume.name,
                projected: false,
                items: source.items.as_deref().unwrap_or_default(),
                default_mode: source.default_mode,
            },
        });
    }
    if let Some(source) = &volume.secret
        && let Some(name) = source.secret_name.as_deref().filter(|n| !n.is_empty())
    {
        refs.push(Reference {
            kind: ObjectKind::Secret,
            name,
            optional: source.optional.unwrap_or(false),
            via: Via::Volume {
                volume: &volume.name,
                projected: false,
                items: source.items.as_deref().unwrap_or_default(),
                default_mode: source.default_mode,
            },
        });
    }
    if let Some(projected) = &volume.projected {
        for source in projected.sources.iter().flatten() {
            let via = |items: &'a Option<Vec<KeyToPath>>| Via::Volume {
                volume: &volume.name,
                projected: true,
                items: items.as_deref().unwrap_or_default(),
                default_mode: projected.default_mode,
            };
            if let Some(cm) = &source.config_map {
                refs.push(Reference {
                    kind: ObjectKind::ConfigMap,
                    name: &cm.name,
                    optional: cm.optional.unwrap_or(false),
                    via: via(&cm.items),
                });
            }
            if let Some(secret) = &source.secret {
                refs.push(Reference {
                    kind: ObjectKind::Secret,
                    name: &secret.name,
                    optional: secret.optional.unwrap_or(false),
                    via: via(&secret.items),
                });
            }
        }
    }
}

/// What a pod volume projects, for messages: `ConfigMap app`, `Secret tls`,
/// `projected volume (ConfigMap a, Secret b)`; `None` for volumes that are not configMap, secret
/// or projected.
pub(crate) fn describe_volume(volume: &Volume) -> Option<String> {
    let mut refs = Vec::new();
    volume_references(volume, &mut refs);
    if volume.projected.is_some() {
        let objects: Vec<String> = refs.iter().map(Reference::object).collect();
        return Some(if objects.is_empty() {
            "a projected volume".to_string()
        } else {
            format!("a projected volume ({})", objects.join(", "))
        });
    }
    refs.first().map(Reference::object)
}
