#!/usr/bin/env bash
# Measures the speed claims in the README with the release binary:
#   1. the seed reload scenario (start the app, three updates, assertions), wall time;
#   2. mutation -> visible in the volume with timing: fast, p50/p99 over 300 updates
#      (latency of `assert file ... within, after: update`, from the JSON report);
#   3. 20 scenarios with --jobs 2, wall time.
# Usage: bash scripts/measure.sh   (builds with cargo build --release first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/kubedrill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. seed reload scenario (configparser-reload.yaml), 5 runs =="
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e" "$bin" run scenarios/configparser-reload.yaml >/dev/null 2>>"$work/times"
done
python3 - "$work/times" <<'PY'
import sys
t = sorted(float(x) for x in open(sys.argv[1]).read().split())
print(f"wall seconds: min {t[0]:.2f}  median {t[len(t)//2]:.2f}  max {t[-1]:.2f}")
PY

echo "== 2. mutation -> visible in the volume (timing: fast), 300 updates =="
cat > "$work/objects.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {LEVEL: "0"}
Y
cat > "$work/pod.yaml" <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: x
      volumeMounts: [{name: cfg, mountPath: /etc/kd-measure}]
  volumes: [{name: cfg, configMap: {name: cfg}}]
Y
{
  printf 'apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata: {name: propagation}\nspec:\n'
  printf '  objects: [{file: objects.yaml}]\n  workload:\n    file: pod.yaml\n    run: {app: {command: [sleep, "600"]}}\n  steps:\n'
  printf '    - assert: {file: /etc/kd-measure/LEVEL, equals: "0", within: 5s}\n'
  for i in $(seq 1 300); do
    printf '    - name: u%d\n      update: {configMap: cfg, data: {LEVEL: "%d"}}\n' "$i" "$i"
    printf '    - assert: {file: /etc/kd-measure/LEVEL, equals: "%d", within: 1s, after: u%d}\n' "$i" "$i"
  done
} > "$work/propagation.yaml"
"$bin" run "$work/propagation.yaml" --report "json=$work/p.json" >/dev/null
python3 - "$work/p.json" <<'PY'
import json, sys
steps = json.load(open(sys.argv[1]))["scenarios"][0]["steps"]
# mutation -> visible = the update step (API write + kubelet sync + AtomicWriter swap) plus
# the latency the following assertion measured from that step's completion.
pairs = [(steps[i], steps[i + 1]) for i in range(1, len(steps) - 1, 2)]
lat = sorted(u["elapsedMs"] + (a["latencyMs"] or 0) for u, a in pairs)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{len(lat)} updates: p50 {q(0.5):.3f} ms  p99 {q(0.99):.3f} ms  max {lat[-1]:.3f} ms")
PY

echo "== 3. 20 scenarios, --jobs 2 =="
mkdir -p "$work/many"
cp "$work/objects.yaml" "$work/pod.yaml" "$work/many/"
for i in $(seq 1 20); do
  cat > "$work/many/s$i.yaml" <<Y
apiVersion: kubedrill.dev/v1alpha1
kind: Scenario
metadata: {name: s$i}
spec:
  objects: [{file: objects.yaml}]
  workload: {file: pod.yaml, run: {app: {command: [sleep, "600"]}}}
  steps:
    - assert: {file: /etc/kd-measure/LEVEL, equals: "0", within: 5s}
    - name: bump
      update: {configMap: cfg, data: {LEVEL: "1"}}
    - assert: {file: /etc/kd-measure/LEVEL, equals: "1", within: 5s, after: bump}
    - restart: app
    - assert: {container: {name: app, state: running, restarts: 1}, within: 5s}
Y
done
/usr/bin/time -f "20 scenarios, --jobs 2: %e s wall" "$bin" run "$work/many" --jobs 2 | tail -1
