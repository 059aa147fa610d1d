//! The simulated kubelet's pod lifecycle (no processes: `PodSim` returns actions), named after
//! spec items: mount failures, config errors retried each sync, deletion while running,
//! immutable objects, restarts and back-off.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, PodSpec, Secret};
use kubedrill::api::ObjectStore;
use kubedrill::api::manifest::{Manifest, load_str};
use kubedrill::kubelet::KubeVersion;
use kubedrill::kubelet::payload::PodContext;
use kubedrill::kubelet::pod::{Action, BackOff, ContainerState, PodPhase, PodSim};
use kubedrill::kubelet::timing::Detection;
use kubedrill::kubelet::view::ObjectView;

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: x
      env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
      volumeMounts:
        - {name: cfg, mountPath: /etc/config}
  volumes:
    - name: cfg
      configMap: {name: cfg}
"#;

fn spec() -> PodSpec {
    match load_str(POD, std::path::Path::new("pod.yaml"))
        .unwrap()
        .remove(0)
    {
        Manifest::Workload(w) => w.spec,
        _ => unreachable!(),
    }
}

fn cm(data: &str, immutable: bool) -> ConfigMap {
    let mut c = ConfigMap::default();
    c.metadata.name = Some("cfg".into());
    c.data = Some([("k".to_string(), data.to_string())].into());
    c.immutable = immutable.then_some(true);
    c
}

fn secret() -> Secret {
    let mut s = Secret::default();
    s.metadata.name = Some("db".into());
    s.string_data = Some([("password".to_string(), "pw".to_string())].into());
    s
}

struct Node {
    store: ObjectStore,
    view: ObjectView,
    pod: PodSim,
    _dir: tempfile::TempDir,
}

impl Node {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let spec = spec();
        let ctx = PodContext::from_pod(&Default::default(), &spec, "default");
        let pod = PodSim::new(
            ctx,
            spec,
            dir.path().join("pod"),
            KubeVersion::CURRENT,
            BackOff::FAST,
        )
        .unwrap();
        Node {
            store: ObjectStore::new(),
            view: ObjectView::default(),
            pod,
            _dir: dir,
        }
    }

    fn sync(&mut self) -> Vec<Action> {
        let now = Instant::now();
        self.view
            .refresh(&self.store, Detection::Watch, Duration::ZERO, now);
        self.pod.sync(&self.view, now)
    }

    fn state(&self) -> ContainerState {
        self.pod.containers()[0].state.clone()
    }

    fn events(&self, reason: &str) -> Vec<(String, u32)> {
        self.pod
            .events()
            .iter()
            .filter(|e| e.reason == reason)
            .map(|e| (e.message.clone(), e.count))
            .collect()
    }

    fn file(&self) -> Option<String> {
        std::fs::read_to_string(self.pod.volume_dir("cfg").unwrap().join("k")).ok()
    }

    fn start(&mut self) {
        let actions = self.sync();
        assert!(
            matches!(actions.as_slice(), [Action::Start { .. }]),
            "{actions:?}"
        );
        self.pod.container_started("app", Instant::now());
    }
}

#[test]
fn cm_2_4_missing_object_keeps_pod_pending_with_repeated_failed_mount() {
    let mut n = Node::new();
    n.store.create_secret(secret()).unwrap();
    assert!(n.sync().is_empty());
    assert!(n.sync().is_empty());
    assert_eq!(n.pod.phase(), PodPhase::Pending);
    assert_eq!(
        n.state(),
        ContainerState::Waiting {
            reason: "ContainerCreating".into(),
            message: String::new()
        }
    );
    assert_eq!(
        n.events("FailedMount"),
        vec![(
            r#"MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found"#.to_string(),
            2
        )]
    );
    n.store.create_config_map(cm("v1", false)).unwrap();
    n.start();
    assert_eq!(n.pod.phase(), PodPhase::Running);
}

#[test]
fn env_6_6_config_error_is_retried_each_sync() {
    let mut n = Node::new();
    n.store.create_config_map(cm("v1", false)).unwrap();
    assert!(n.sync().is_empty());
    assert!(
        matches!(n.state(), ContainerState::Waiting { reason, message }
        if reason == "CreateContainerConfigError" && message == r#"secret "db" not found"#)
    );
    n.sync();
    assert_eq!(
        n.events("Failed"),
        vec![(r#"Error: secret "db" not found"#.to_string(), 2)]
    );
    n.store.create_secret(secret()).unwrap();
    n.start();
    assert!(matches!(n.state(), ContainerState::Running { .. }));
}

#[test]
fn cm_2_5_deletion_keeps_files_and_recreation_projects_again() {
    let mut n = Node::new();
    n.store.create_config_map(cm("v1", false)).unwrap();
    n.store.create_secret(secret()).unwrap();
    n.start();
    n.store.delete_config_map("default", "cfg").unwrap();
    n.sync();
    assert_eq!(n.file().as_deref(), Some("v1"), "files stay as they were");
    assert_eq!(n.events("FailedMount").len(), 1);
    n.store.create_config_map(cm("v2", false)).unwrap();
    n.sync();
    assert_eq!(n.file().as_deref(), Some("v2"));
}

#[test]
fn cm_2_8_immutable_object_is_never_refreshed() {
    let mut n = Node::new();
    n.store.create_config_map(cm("v1", true)).unwrap();
    n.store.create_secret(secret()).unwrap();
    n.start();
    n.store.delete_config_map("default", "cfg").unwrap();
    n.store.create_config_map(cm("v2", true)).unwrap();
    n.sync();
    assert_eq!(
        n.file().as_deref(),
        Some("v1"),
        "kubelet keeps its cached copy"
    );
    assert!(n.events("FailedMount").is_empty());
}

#[test]
fn env_6_7_restart_reresolves_env() {
    let mut n = Node::new();
    n.store.create_config_map(cm("v1", false)).unwrap();
    n.store.create_secret(secret()).unwrap();
    n.start();
    let env = |n: &Node| {
        n.pod.containers()[0]
            .env
            .as_ref()
            .unwrap()
            .get("PASSWORD")
            .map(str::to_string)
    };
    assert_eq!(env(&n).as_deref(), Some("pw"));
    let mut s = secret();
    s.string_data = Some([("password".to_string(), "pw2".to_string())].into());
    n.store.update_secret(s).unwrap();
    assert!(n.sync().is_empty(), "a running container is left alone");
    assert_eq!(env(&n).as_deref(), Some("pw"), "env is frozen");
    assert!(n.pod.request_restart("app"));
    let actions = n.sync();
    assert!(
        matches!(actions.as_slice(), [Action::Kill { .. }, Action::Start { env, .. }]
        if env.iter().any(|(k, v)| k == "PASSWORD" && v == "pw2")),
        "{actions:?}"
    );
    n.pod.container_started("app", Instant::now());
    assert_eq!(n.pod.containers()[0].restart_count, 1);
}

#[test]
fn crash_loop_back_off_doubles() {
    let mut n = Node::new();
    n.store.create_config_map(cm("v1", false)).unwrap();
    n.store.create_secret(secret()).unwrap();
    n.start();
    let t0 = Instant::now();
    n.pod.container_exited("app", 1, t0);
    assert!(
        matches!(&n.state(), ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff")
    );
    assert!(n.pod.sync(&n.view, t0).is_empty(), "still backing off");
    let later = t0 + BackOff::FAST.initial;
    assert_eq!(
        n.pod.sync(&n.view, later).len(),
        1,
        "restarts after the back-off"
    );
    n.pod.container_started("app", later);
    n.pod.container_exited("app", 1, later);
    assert!(
        n.pod
            .sync(&n.view, later + BackOff::FAST.initial)
            .is_empty(),
        "the delay doubled"
    );
    assert_eq!(
        n.pod.sync(&n.view, later + BackOff::FAST.initial * 2).len(),
        1
    );
    assert_eq!(n.pod.containers()[0].restart_count, 2);
    assert_eq!(n.events("BackOff")[0].1, 2);
}

#[test]
fn timing_7_2_cache_detection_lags_until_the_ttl_and_get_does_not() {
    let mut store = ObjectStore::new();
    store.create_config_map(cm("v1", false)).unwrap();
    let t0 = Instant::now();
    let ttl = Duration::from_secs(60);
    let value = |view: &ObjectView| {
        use kubedrill::api::ObjectLookup;
        view.config_map("default", "cfg")
            .and_then(|c| c.data.as_ref())
            .and_then(|d| d.get("k").cloned())
    };
    let mut cached = ObjectView::default();
    let mut get = ObjectView::default();
    cached.refresh(&store, Detection::Cache, ttl, t0);
    get.refresh(&store, Detection::Get, ttl, t0);
    let mut updated = cm("v2", false);
    updated.metadata.namespace = Some("default".into());
    store.update_config_map(updated).unwrap();
    cached.refresh(&store, Detection::Cache, ttl, t0 + Duration::from_secs(30));
    get.refresh(&store, Detection::Get, ttl, t0 + Duration::from_secs(30));
    assert_eq!(
        value(&cached).as_deref(),
        Some("v1"),
        "within the TTL the cache is stale"
    );
    assert_eq!(
        value(&get).as_deref(),
        Some("v2"),
        "get fetches at every sync"
    );
    cached.refresh(&store, Detection::Cache, ttl, t0 + ttl);
    assert_eq!(
        value(&cached).as_deref(),
        Some("v2"),
        "after the TTL it refreshes"
    );
}

const POD_WITH_INIT: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: RESTART
  initContainers:
    - {name: first, image: x}
    - {name: second, image: x}
  containers:
    - {name: app, image: x}
"#;

fn init_pod(policy: &str) -> (PodSim, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let text = POD_WITH_INIT.replace("RESTART", policy);
    let spec = match load_str(&text, std::path::Path::new("pod.yaml"))
        .unwrap()
        .remove(0)
    {
        Manifest::Workload(w) => w.spec,
        _ => unreachable!(),
    };
    let ctx = PodContext::from_pod(&Default::default(), &spec, "default");
    let pod = PodSim::new(
        ctx,
        spec,
        dir.path().join("pod"),
        KubeVersion::CURRENT,
        BackOff::FAST,
    )
    .unwrap();
    (pod, dir)
}

fn started(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Start { container, .. } => Some(container.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn init_containers_run_one_at_a_time_before_the_app() {
    let (mut pod, _dir) = init_pod("Always");
    let view = ObjectView::default();
    let t = Instant::now();
    assert_eq!(started(&pod.sync(&view, t)), vec!["first"]);
    pod.container_started("first", t);
    assert!(
        started(&pod.sync(&view, t)).is_empty(),
        "waits for first to finish"
    );
    assert!(
        matches!(&pod.containers()[0].state, ContainerState::Waiting { reason, .. } if reason == "PodInitializing")
    );
    pod.container_exited("first", 0, t);
    assert_eq!(started(&pod.sync(&view, t)), vec!["second"]);
    pod.container_started("second", t);
    pod.container_exited("second", 0, t);
    assert_eq!(pod.phase(), PodPhase::Pending);
    assert_eq!(started(&pod.sync(&view, t)), vec!["app"]);
    pod.container_started("app", t);
    assert_eq!(pod.phase(), PodPhase::Running);
    assert_eq!(
        pod.init_containers()[0].restart_count,
        0,
        "a succeeded init is not restarted"
    );
}

#[test]
fn failed_init_container_is_retried_unless_never() {
    let (mut pod, _dir) = init_pod("Always");
    let view = ObjectView::default();
    let t = Instant::now();
    pod.sync(&view, t);
    pod.container_started("first", t);
    pod.container_exited("first", 1, t);
    assert!(pod.sync(&view, t).is_empty(), "back-off first");
    assert_eq!(
        started(&pod.sync(&view, t + BackOff::FAST.initial)),
        vec!["first"]
    );

    let (mut never, _dir2) = init_pod("Never");
    never.sync(&view, t);
    never.container_started("first", t);
    never.container_exited("first", 1, t);
    assert!(never.sync(&view, t + Duration::from_secs(5)).is_empty());
    assert_eq!(never.phase(), PodPhase::Failed);
}
