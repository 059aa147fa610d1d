//! What a workload's pod consumes, and so what its scenario skeleton should change and check.
//!
//! Pure: takes the loaded manifests and one workload, returns [`Consumption`]. For each
//! ConfigMap or Secret the app containers consume it picks the keys to change (one per
//! delivery) and lists where each change shows up: a file of a volume (updates within a sync),
//! a subPath file (stays stale until a restart, §5.2) or an environment variable (frozen until
//! a restart, §6.7). What cannot be exercised out of the box (a missing or immutable object, a
//! key only in `binaryData`, `subPathExpr`) becomes a note for the skeleton's comments.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Container, KeyToPath, Secret, Volume};

use crate::api::{ManifestSet, Workload};

/// ConfigMap or Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
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
}

/// Where a changed key shows up in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// A file of a mounted volume: follows the update at the next sync.
    File {
        /// The container.
        container: String,
        /// The file's path in the container.
        path: String,
    },
    /// A subPath mount: the file pinned at container start, stale until a restart.
    SubPath {
        /// The container.
        container: String,
        /// The mount's path in the container.
        path: String,
    },
    /// An environment variable: frozen until a restart.
    Env {
        /// The container.
        container: String,
        /// The variable.
        variable: String,
    },
}

impl View {
    /// The container the view is in.
    pub fn container(&self) -> &str {
        match self {
            View::File { container, .. }
            | View::SubPath { container, .. }
            | View::Env { container, .. } => container,
        }
    }
}

/// One object the pod consumes, the keys the skeleton changes and where that shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectUse {
    /// ConfigMap or Secret.
    pub kind: ObjectKind,
    /// Its name.
    pub name: String,
    /// A TLS Secret (`kubernetes.io/tls`, or `tls.crt` and `tls.key`): the change is a rotation.
    pub tls: bool,
    /// The keys the update step changes, sorted.
    pub keys: Vec<String>,
    /// Where the change shows, in pod order.
    pub views: Vec<View>,
}

/// Everything the skeleton is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consumption {
    /// The app containers (`spec.containers`), in order.
    pub containers: Vec<String>,
    /// The init containers, in order.
    pub init_containers: Vec<String>,
    /// The objects consumed, by kind and name.
    pub objects: Vec<ObjectUse>,
    /// Every ConfigMap and Secret the pod references (volumes, also unmounted ones, and the env
    /// of every container): the scenario must load them all for the pod to start.
    pub referenced: Vec<(ObjectKind, String)>,
    /// What the skeleton cannot exercise, for its comments.
    pub notes: Vec<String>,
    /// The first `containerPort` (a TLS port by name or number if there is one), for the
    /// placeholders of app-level checks.
    pub port: Option<u16>,
}

/// What `workload` consumes from the ConfigMaps and Secrets of `set` (its namespace).
pub fn analyse(set: &ManifestSet, workload: &Workload) -> Consumption {
    let objects = Objects::new(set, &workload.namespace);
    let mut uses: BTreeMap<(ObjectKind, String), ObjectUse> = BTreeMap::new();
    let mut notes = Vec::new();
    let spec = &workload.spec;
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    for container in &spec.containers {
        for mount in container.volume_mounts.iter().flatten() {
            if mount
                .sub_path_expr
                .as_deref()
                .is_some_and(|e| !e.is_empty())
            {
                notes.push(format!(
                    "container {}: the subPathExpr mount at {} is not exercised (its file \
                     depends on the env; it stays stale like a subPath)",
                    container.name, mount.mount_path
                ));
                continue;
            }
            let Some(volume) = volumes.iter().find(|v| v.name == mount.name) else {
                continue;
            };
            let sub_path = mount.sub_path.as_deref().filter(|p| !p.is_empty());
            for (kind, name, items) in sources(volume) {
                let Some(object) = objects.get(kind, name) else {
                    notes.push(missing(kind, name));
                    continue;
                };
                if object.immutable {
                    notes.push(immutable(kind, name));
                    continue;
                }
                // (key, path in the volume) of every file this source puts in the volume.
                for item in items.into_iter().flatten() {
                    if !object.all_keys.contains(&item.key) {
                        notes.push(format!(
                            "{} {name} has no key {} that volume {} lists (unless the volume is \
                             optional the pod will not start)",
                            kind.as_str(),
                            item.key,
                            volume.name
                        ));
                    }
                }
                let files: Vec<(String, String)> = match items {
                    Some(items) if !items.is_empty() => items
                        .iter()
                        .filter(|i| object.text_keys.contains(&i.key))
                        .map(|i| (i.key.clone(), i.path.clone()))
                        .collect(),
                    _ => object
                        .text_keys
                        .iter()
                        .map(|k| (k.clone(), k.clone()))
                        .collect(),
                };
                let entry = uses
                    .entry((kind, name.to_string()))
                    .or_insert_with(|| object.new_use(kind, name));
                match sub_path {
                    Some(sub_path) => {
                        let Some((key, _)) = files.iter().find(|(_, p)| p == sub_path) else {
                            continue;
                        };
                        entry.add_key(key);
                        entry.views.push(View::SubPath {
                            container: container.name.clone(),
                            path: mount.mount_path.clone(),
                        });
                    }
                    None => {
                        let chosen = entry.prefer(&files);
                        let Some((key, path)) = chosen else {
                            notes.push(format!(
                                "{} {name}: volume {} shows no text key to change (only \
                                 binaryData?)",
                                kind.as_str(),
                                volume.name
                            ));
                            continue;
                        };
                        entry.add_key(&key);
                        entry.views.push(View::File {
                            container: container.name.clone(),
                            path: join(&mount.mount_path, &path),
                        });
                    }
                }
            }
        }
        for (kind, name, key, variable) in env_uses(container, &objects) {
            let Some(object) = objects.get(kind, &name) else {
                notes.push(missing(kind, &name));
                continue;
            };
            if object.immutable {
                notes.push(immutable(kind, &name));
                continue;
            }
            let entry = uses
                .entry((kind, name.clone()))
                .or_insert_with(|| object.new_use(kind, &name));
            entry.add_key(&key);
            entry.views.push(View::Env {
                container: container.name.clone(),
                variable,
            });
        }
    }
    notes.sort();
    notes.dedup();
    Consumption {
        containers: spec.containers.iter().map(|c| c.name.clone()).collect(),
        init_containers: spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| c.name.clone())
            .collect(),
        objects: uses.into_values().filter(|u| !u.views.is_empty()).collect(),
        referenced: referenced(workload),
        notes,
        port: port(&spec.containers),
    }
}

/// Every object the pod spec names, sorted.
fn referenced(workload: &Workload) -> Vec<(ObjectKind, String)> {
    let spec = &workload.spec;
    let mut out: Vec<(ObjectKind, String)> = spec
        .volumes
        .iter()
        .flatten()
        .flat_map(sources)
        .map(|(kind, name, _)| (kind, name.to_string()))
        .collect();
    for container in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
    {
        for from in container.env_from.iter().flatten() {
            if let Some(cm) = &from.config_map_ref {
                out.push((ObjectKind::ConfigMap, cm.name.clone()));
            }
            if let Some(secret) = &from.secret_ref {
                out.push((ObjectKind::Secret, secret.name.clone()));
            }
        }
        for var in container.env.iter().flatten() {
            let Some(source) = &var.value_from else {
                continue;
            };
            if let Some(r) = &source.config_map_key_ref {
                out.push((ObjectKind::ConfigMap, r.name.clone()));
            }
            if let Some(r) = &source.secret_key_ref {
                out.push((ObjectKind::Secret, r.name.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

impl ObjectUse {
    fn add_key(&mut self, key: &str) {
        if !self.keys.iter().any(|k| k == key) {
            self.keys.push(key.to_string());
            self.keys.sort();
        }
    }

    /// The file to watch among `files`: one whose key is already changed, else the first
    /// (for a TLS Secret, the certificate).
    fn prefer(&self, files: &[(String, String)]) -> Option<(String, String)> {
        files
            .iter()
            .find(|(k, _)| self.keys.contains(k))
            .or_else(|| files.iter().find(|(k, _)| self.tls && k == "tls.crt"))
            .or_else(|| files.first())
            .cloned()
    }
}

/// The ConfigMap and Secret sources of a volume, with their items.
fn sources(volume: &Volume) -> Vec<(ObjectKind, &str, Option<&[KeyToPath]>)> {
    let mut out = Vec::new();
    if let Some(cm) = &volume.config_map {
        out.push((ObjectKind::ConfigMap, cm.name.as_str(), cm.items.as_deref()));
    }
    if let Some(secret) = &volume.secret
        && let Some(name) = secret.secret_name.as_deref()
    {
        out.push((ObjectKind::Secret, name, secret.items.as_deref()));
    }
    if let Some(projected) = &volume.projected {
        for source in projected.sources.iter().flatten() {
            if let Some(cm) = &source.config_map {
                out.push((ObjectKind::ConfigMap, cm.name.as_str(), cm.items.as_deref()));
            }
            if let Some(secret) = &source.secret {
                out.push((
                    ObjectKind::Secret,
                    secret.name.as_str(),
                    secret.items.as_deref(),
                ));
            }
        }
    }
    out
}

/// `(kind, object, key, variable)` of every variable a container takes from an object, as
/// kubelet resolves them: a later `env` entry overrides an earlier one and any envFrom.
fn env_uses(container: &Container, objects: &Objects) -> Vec<(ObjectKind, String, String, String)> {
    let env = container.env.as_deref().unwrap_or_default();
    let explicit = |variable: &str| env.iter().any(|e| e.name == variable);
    let mut out = Vec::new();
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or_default();
        let (kind, name) = match (&from.config_map_ref, &from.secret_ref) {
            (Some(cm), _) => (ObjectKind::ConfigMap, cm.name.as_str()),
            (None, Some(secret)) => (ObjectKind::Secret, secret.name.as_str()),
            (None, None) => continue,
        };
        let keys = objects
            .get(kind, name)
            .map(|o| o.text_keys.clone())
            .unwrap_or_default();
        // One variable is enough to show the env is frozen: the first not set by `env`.
        let chosen = keys
            .iter()
            .map(|key| (key, format!("{prefix}{key}")))
            .find(|(_, variable)| !explicit(variable) && is_plain_name(variable));
        match chosen {
            Some((key, variable)) => out.push((kind, name.to_string(), key.clone(), variable)),
            None if objects.get(kind, name).is_none() => {
                out.push((kind, name.to_string(), String::new(), String::new()));
            }
            None => {}
        }
    }
    for (index, var) in env.iter().enumerate() {
        let Some(source) = &var.value_from else {
            continue;
        };
        let (kind, name, key) = match (&source.config_map_key_ref, &source.secret_key_ref) {
            (Some(r), _) => (ObjectKind::ConfigMap, r.name.as_str(), r.key.as_str()),
            (None, Some(r)) => (ObjectKind::Secret, r.name.as_str(), r.key.as_str()),
            (None, None) => continue,
        };
        let overridden = env[index + 1..].iter().any(|later| later.name == var.name);
        let known_key = objects
            .get(kind, name)
            .is_none_or(|o| o.text_keys.iter().any(|k| k == key));
        if !overridden && known_key {
            out.push((kind, name.to_string(), key.to_string(), var.name.clone()));
        }
    }
    out
}

/// A C identifier: safe to name in `env:` and to read back from `/proc/PID/environ`.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The port app-level checks would reach: a TLS-looking one (named `https`/`tls`, or 443 or
/// 8443), else the first.
fn port(containers: &[Container]) -> Option<u16> {
    let ports: Vec<_> = containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .collect();
    let tls = ports.iter().find(|p| {
        p.name
            .as_deref()
            .is_some_and(|n| n.contains("https") || n.contains("tls"))
            || matches!(p.container_port, 443 | 8443)
    });
    tls.or(ports.first())
        .and_then(|p| u16::try_from(p.container_port).ok())
}

fn join(dir: &str, path: &str) -> String {
    format!("{}/{path}", dir.trim_end_matches('/'))
}

fn missing(kind: ObjectKind, name: &str) -> String {
    format!(
        "{} {name} is referenced but not in the manifests given (unless the reference is \
         optional the pod will not start: add its file to -f)",
        kind.as_str()
    )
}

fn immutable(kind: ObjectKind, name: &str) -> String {
    format!(
        "{} {name} is immutable: it cannot be updated, and kubelet never refreshes it (§2.8); \
         roll out a new name instead",
        kind.as_str()
    )
}

/// What the analysis needs of one object.
#[derive(Debug, Clone)]
struct ObjectFacts {
    immutable: bool,
    tls: bool,
    /// Keys an `update` can change as text: ConfigMap `data`, Secret `data` and `stringData`.
    text_keys: Vec<String>,
    /// Every key a volume item can name (ConfigMap `binaryData` too).
    all_keys: Vec<String>,
}

impl ObjectFacts {
    fn of_config_map(cm: &ConfigMap) -> Self {
        ObjectFacts {
            immutable: cm.immutable == Some(true),
            tls: false,
            text_keys: cm.data.iter().flatten().map(|(k, _)| k.clone()).collect(),
            all_keys: cm
                .data
                .iter()
                .flatten()
                .map(|(k, _)| k.clone())
                .chain(cm.binary_data.iter().flatten().map(|(k, _)| k.clone()))
                .collect(),
        }
    }

    fn of_secret(secret: &Secret) -> Self {
        let mut keys: Vec<String> = secret
            .data
            .iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .chain(secret.string_data.iter().flatten().map(|(k, _)| k.clone()))
            .collect();
        keys.sort();
        keys.dedup();
        let has = |key: &str| keys.iter().any(|k| k == key);
        ObjectFacts {
            immutable: secret.immutable == Some(true),
            tls: secret.type_.as_deref() == Some(crate::api::validation::SECRET_TYPE_TLS)
                || (has("tls.crt") && has("tls.key")),
            all_keys: keys.clone(),
            text_keys: keys,
        }
    }

    fn new_use(&self, kind: ObjectKind, name: &str) -> ObjectUse {
        ObjectUse {
            kind,
            name: name.to_string(),
            tls: self.tls,
            keys: Vec::new(),
            views: Vec::new(),
        }
    }
}

/// The objects of one namespace, by kind and name (a later document wins, as with apply).
struct Objects {
    by_name: BTreeMap<(ObjectKind, String), ObjectFacts>,
}

impl Objects {
    fn new(set: &ManifestSet, namespace: &str) -> Self {
        let in_namespace = |ns: Option<&str>| {
            ns.filter(|ns| !ns.is_empty())
                .unwrap_or(crate::api::manifest::DEFAULT_NAMESPACE)
                == namespace
        };
        let mut by_name = BTreeMap::new();
        for (cm, _) in &set.config_maps {
            if in_namespace(cm.metadata.namespace.as_deref()) {
                let name = cm.metadata.name.as_deref().unwrap_or_default();
                by_name.insert(
                    (ObjectKind::ConfigMap, name.to_string()),
                    ObjectFacts::of_config_map(cm),
                );
            }
        }
        for (secret, _) in &set.secrets {
            if in_namespace(secret.metadata.namespace.as_deref()) {
                let name = secret.metadata.name.as_deref().unwrap_or_default();
                by_name.insert(
                    (ObjectKind::Secret, name.to_string()),
                    ObjectFacts::of_secret(secret),
                );
            }
        }
        Objects { by_name }
    }

    fn get(&self, kind: ObjectKind, name: &str) -> Option<&ObjectFacts> {
        self.by_name.get(&(kind, name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn consumption(text: &str) -> Consumption {
        let set: ManifestSet = match crate::api::manifest::load_str(text, Path::new("m.yaml")) {
            Ok(manifests) => manifests.into_iter().collect(),
            Err(e) => panic!("{e}"),
        };
        analyse(&set, &set.workloads[0])
    }

    const OBJECTS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n\
        data: {app.conf: x, LEVEL: info}\n---\n\
        apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n\
        stringData: {tls.crt: c, tls.key: k}\n---\n";

    #[test]
    fn volume_subpath_and_env_of_one_configmap_share_one_update() {
        let c = consumption(&format!(
            "{OBJECTS}apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  \
             - name: app\n    image: x\n    envFrom: [{{configMapRef: {{name: cfg}}, prefix: \
             CFG_}}]\n    volumeMounts:\n    - {{name: v, mountPath: /etc/config}}\n    - \
             {{name: v, mountPath: /app/app.conf, subPath: app.conf}}\n  volumes:\n  - {{name: \
             v, configMap: {{name: cfg}}}}\n"
        ));
        assert_eq!(c.objects.len(), 1, "{c:#?}");
        let cfg = &c.objects[0];
        assert_eq!(cfg.keys, ["LEVEL", "app.conf"]);
        assert_eq!(
            cfg.views,
            [
                View::File {
                    container: "app".into(),
                    path: "/etc/config/LEVEL".into()
                },
                View::SubPath {
                    container: "app".into(),
                    path: "/app/app.conf".into()
                },
                View::Env {
                    container: "app".into(),
                    variable: "CFG_LEVEL".into()
                },
            ]
        );
    }

    #[test]
    fn a_tls_secret_watches_its_certificate_through_items() {
        let c = consumption(&format!(
            "{OBJECTS}apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  \
             - name: app\n    image: x\n    ports: [{{containerPort: 8000}}, {{containerPort: \
             8443}}]\n    volumeMounts: [{{name: t, mountPath: /etc/tls}}]\n  volumes:\n  - \
             {{name: t, secret: {{secretName: tls, items: [{{key: tls.key, path: key.pem}}, \
             {{key: tls.crt, path: cert.pem}}]}}}}\n"
        ));
        let tls = &c.objects[0];
        assert!(tls.tls);
        assert_eq!(tls.keys, ["tls.crt"]);
        assert_eq!(
            tls.views,
            [View::File {
                container: "app".into(),
                path: "/etc/tls/cert.pem".into()
            }]
        );
        assert_eq!(c.port, Some(8443));
    }

    #[test]
    fn missing_and_immutable_objects_become_notes() {
        let c = consumption(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\n\
             data: {a: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  \
             containers:\n  - name: app\n    image: x\n    envFrom: [{configMapRef: {name: \
             frozen}}, {secretRef: {name: gone, optional: true}}]\n",
        );
        assert!(c.objects.is_empty(), "{c:#?}");
        assert_eq!(c.notes.len(), 2, "{:#?}", c.notes);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("ConfigMap frozen is immutable"))
        );
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("Secret gone is referenced"))
        );
    }

    #[test]
    fn an_env_var_overridden_later_is_not_the_object_s() {
        let c = consumption(&format!(
            "{OBJECTS}apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  \
             - name: app\n    image: x\n    env:\n    - {{name: L, valueFrom: {{configMapKeyRef: \
             {{name: cfg, key: LEVEL}}}}}}\n    - {{name: L, value: fixed}}\n"
        ));
        assert!(c.objects.is_empty(), "{c:#?}");
    }
}
