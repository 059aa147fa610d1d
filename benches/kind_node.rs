//! What a kind node and a docker-backend container cost in Docker operations alone, through
//! testcontainers: create + start + remove of the node container (kubedrill/busybox:test
//! standing in for the node image, unprivileged, so it runs on engines that refuse privileged
//! containers; a real node adds systemd, `kubeadm init` and the wait for Ready), and start +
//! kill of a docker-backend container. Needs a Docker engine and kubedrill/busybox:test
//! (`.ci/run` provides both). Run: `cargo bench --bench kind_node` (the numbers are the
//! engine's; `--profile dev` gives the same within noise).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kubedrill::backend::kind::node_spec::{NodeSpec, node_request};
use kubedrill::runtime::docker::{DockerRuntime, DockerSpec};
use testcontainers::runners::AsyncRunner;

const IMAGE: &str = "kubedrill/busybox:test";

fn node_container(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut group = c.benchmark_group("docker");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("kind_node_container_create_start_remove", |b| {
        b.iter(|| {
            rt.block_on(async {
                let spec = NodeSpec {
                    cluster: format!("kdbench-{:06x}", rand::random::<u32>() & 0xff_ffff),
                    image: IMAGE.into(),
                    sync_frequency: Duration::from_secs(5),
                    reusable: false,
                    lib_modules: false,
                    privileged: false,
                    command: Some(vec!["sleep".into(), "600".into()]),
                };
                let node = node_request(&spec)
                    .start()
                    .await
                    .expect("needs a Docker engine and kubedrill/busybox:test");
                node.rm().await.expect("removed");
            })
        })
    });
    group.bench_function("docker_runtime_container_start_kill", |b| {
        b.iter(|| {
            rt.block_on(async {
                let docker = DockerRuntime::connect()
                    .await
                    .expect("needs a Docker engine");
                let mut c = docker
                    .start(&DockerSpec {
                        name: "app".into(),
                        image: IMAGE.into(),
                        entrypoint: vec!["sleep".into()],
                        args: vec!["600".into()],
                        env: vec![],
                        working_dir: None,
                        binds: vec![],
                        run_id: "bench".into(),
                        owner_scratch: None,
                    })
                    .await
                    .expect("needs kubedrill/busybox:test");
                c.kill(Duration::ZERO).await;
            })
        })
    });
    group.finish();
}

criterion_group!(benches, node_container);
criterion_main!(benches);
