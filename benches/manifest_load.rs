//! Load time of manifests against their size: a ConfigMap against its number of unquoted
//! numeric keys (`8000: "v"`), and a multi-document file against its number of documents.
//!
//! Numeric keys used to trigger one full re-parse each (issue 7: 3,200 keys took ~30 s);
//! loading must stay linear in both (issue 8). Run: `cargo bench --bench manifest_load`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A valid ConfigMap with `keys` unquoted numeric keys.
fn config_map(keys: usize) -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ports\ndata:\n");
    for i in 0..keys {
        text.push_str(&format!("  {}: \"v\"\n", 8000 + i));
    }
    text
}

fn numeric_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_numeric_keys");
    group.sample_size(10);
    for keys in [100, 1_000, 3_200] {
        let text = config_map(keys);
        group.throughput(Throughput::Elements(keys as u64));
        group.bench_with_input(BenchmarkId::from_parameter(keys), &text, |b, text| {
            b.iter(|| {
                let loaded = kubedrill::api::load_str(black_box(text), Path::new("ports.yaml"));
                assert!(loaded.is_ok_and(|m| m.len() == 1));
            });
        });
    }
    group.finish();
}

/// A file of `documents` documents: ConfigMaps of ten keys, every tenth document a Deployment.
fn multi_document(documents: usize) -> String {
    let mut text = String::new();
    for i in 0..documents {
        if i % 10 == 9 {
            text.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\nspec:\n  \
                 selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      \
                 labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        \
                 image: busybox\n        envFrom:\n        - configMapRef: {{name: config-{}}}\n",
                i - 1
            ));
        } else {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{i}\ndata:\n"
            ));
            for k in 0..10 {
                text.push_str(&format!("  KEY_{k}: \"value {k} of {i}\"\n"));
            }
        }
    }
    text
}

fn documents(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_documents");
    group.sample_size(10);
    for documents in [100, 1_000, 5_000] {
        let text = multi_document(documents);
        group.throughput(Throughput::Elements(documents as u64));
        group.bench_with_input(BenchmarkId::from_parameter(documents), &text, |b, text| {
            b.iter(|| {
                let loaded = kubedrill::api::load_str(black_box(text), Path::new("all.yaml"));
                assert!(loaded.is_ok_and(|m| m.len() == documents));
            });
        });
    }
    group.finish();
}

criterion_group!(benches, numeric_keys, documents);
criterion_main!(benches);
