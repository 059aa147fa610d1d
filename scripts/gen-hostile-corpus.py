#!/usr/bin/env python3
"""Writes the hostile-input corpus of tests/hostile/ (issue 7): manifests (m-*.yaml) and
scenario files (s-*.yaml) that try to crash, hang or exhaust kubedrill. What each must give
(exit code, location, message) is in tests/hostile/expectations.tsv, checked by
tests/hostile.rs through the CLI. Usage: python3 scripts/gen-hostile-corpus.py
"""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "hostile")
os.makedirs(HERE, exist_ok=True)


def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
SCN = "apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\n"

# The workload every `project` run uses, and a valid scenario's manifests.
write("ok-pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
      "  containers:\n    - name: app\n      image: busybox\n")

laughs = "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 10) + "]\n" if i else "l0: &l0 [lol]\n"
    for i in range(10))

# --- manifests ------------------------------------------------------------------------------
write("m-billion-laughs.yaml", CM + "data:\n  " + laughs.replace("\n", "\n  ").rstrip() + "\n")
write("m-deep-sequence.yaml", CM + "data:\n  k: " + "[" * 10000 + "]" * 10000 + "\n")
write("m-deep-mapping.yaml", CM + "data:\n  k: " + "{a: " * 10000 + "b" + "}" * 10000 + "\n")
write("m-invalid-utf8.yaml", (CM + "data:\n  k: \"caf").encode() + b"\xe9\"\n")
write("m-nul-byte.yaml", (CM + "data:\n  k: a").encode() + b"\x00b\n")
write("m-huge-key.yaml", CM + "data:\n  " + "k" * 10000 + ": v\n")
write("m-numeric-keys.yaml", CM + "data:\n" + "".join(f"  {8000 + i}: \"v\"\n" for i in range(3200)))
write("m-duplicate-keys.yaml", CM + "data:\n  a: \"1\"\n  b: \"2\"\n  a: \"3\"\n")
write("m-custom-tag.yaml", CM + "data:\n  k: !custom v\n")
write("m-binary-tag.yaml", CM + "data:\n  k: !!binary aGVsbG8=\n")
write("m-bom-crlf.yaml", ("\ufeff" + CM + "data:\n  k: v\n").replace("\n", "\r\n"))
write("m-document-flood.yaml", "".join(
    f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n"
    for i in range(10000)))
write("m-empty-document-flood.yaml", "---\n" * 20000 + CM)
write("m-tab-indent.yaml", CM + "data:\n\tk: v\n")
write("m-scalar-document.yaml", "just a string\n")
write("m-null-key.yaml", CM + "data:\n  ~: v\n")
write("m-merge-key.yaml", CM + "base: &b {k: v}\ndata:\n  <<: *b\n")
write("m-container-dotdot.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
      "  containers:\n    - name: ../../x\n      image: busybox\n")
write("m-mount-nul.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
      "  containers:\n    - name: app\n      volumeMounts:\n        - name: c\n"
      "          mountPath: \"/etc/\\0x\"\n  volumes:\n    - name: c\n      configMap: {name: app}\n")

# --- scenario files -------------------------------------------------------------------------
write("s-billion-laughs.yaml", SCN + laughs + "spec: {}\n")
write("s-deep-sequence.yaml", SCN + "spec:\n  steps: " + "[" * 10000 + "]" * 10000 + "\n")
write("s-deep-mapping.yaml", SCN + "spec:\n  steps: " + "{a: " * 10000 + "b" + "}" * 10000 + "\n")
write("s-invalid-utf8.yaml", (SCN + "metadata:\n  name: caf").encode() + b"\xe9\n")
write("s-nul-byte.yaml", (SCN + "metadata:\n  name: a").encode() + b"\x00b\n")
write("s-huge-key.yaml", SCN + "k" * 10000 + ": v\n")
write("s-numeric-keys.yaml", SCN + "".join(f"{8000 + i}: v\n" for i in range(3200)))
write("s-duplicate-keys.yaml", SCN + "spec: {}\nspec: {}\n")
write("s-custom-tag.yaml", SCN + "metadata:\n  name: !custom x\nspec: {}\n")
write("s-bom-crlf.yaml", ("\ufeff" + SCN + "spec:\n  workload:\n    file: ok-pod.yaml\n"
                          "    run:\n      app:\n        command: [sh, -c, \"echo started; sleep 5\"]\n"
                          "  steps:\n    - assert: {log: app, contains: started, within: 2s}\n"
                          ).replace("\n", "\r\n"))
write("s-document-flood.yaml", "".join(f"---\n{SCN}metadata:\n  name: s{i}\n" for i in range(10000)))
write("s-tab-indent.yaml", SCN + "spec:\n\tsteps: []\n")
