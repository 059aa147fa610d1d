//! Load time of a ConfigMap against its number of unquoted numeric keys (`8000: "v"`).
//!
//! Such keys used to trigger one full re-parse each (issue 7: 3,200 keys took ~30 s); loading
//! must stay linear. Run: `cargo bench --bench manifest_load`.

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

criterion_group!(benches, numeric_keys);
criterion_main!(benches);
