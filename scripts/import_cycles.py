#!/usr/bin/env python3
"""Lists import cycles between the crate's modules (strongly connected groups of the graph made
from `crate::…`/`super::…` paths), tests (`#[cfg(test)] mod tests`) aside.

Usage: python3 scripts/import_cycles.py [REPO]   (default: the current directory)
Files under src/cli/ belong to the binary, whose `crate::` is src/cli/main.rs.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
src = os.path.join(root, "src")
mods = {}
for dirpath, _, files in os.walk(src):
    for f in files:
        if not f.endswith(".rs"):
            continue
        path = os.path.join(dirpath, f)
        parts = os.path.relpath(path, src)[:-3].split(os.sep)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        mods[".".join(parts) or "crate"] = path


def resolve(parts):
    """The longest prefix of `parts` that is a module."""
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        if name in mods:
            return name
    return None


edges = {m: set() for m in mods}
for m, path in mods.items():
    text = open(path).read()
    cut = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"//[^\n]*", "", text)
    own = m.split(".") if m != "crate" else []
    crate_base = ["cli"] if own[:1] == ["cli"] else []

    def add(head, rest):
        base = crate_base if head == "crate" else own[:-1]
        target = resolve(base + rest)
        if target and target != m and not m.startswith(target + ".") and not target.startswith(m + "."):
            edges[m].add(target)

    for hit in re.finditer(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
        add(hit.group(1), hit.group(2)[2:].split("::"))
    for hit in re.finditer(r"\b(crate|super)::\{([^}]*)\}", text):
        for item in hit.group(2).split(","):
            item = item.strip().split(" as ")[0]
            if item:
                add(hit.group(1), item.split("::"))

# Tarjan's strongly connected components.
index, low, stack, on_stack, groups = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on_stack.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        group = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            group.append(w)
            if w == v:
                break
        if len(group) > 1:
            groups.append(sorted(group))


for v in sorted(edges):
    if v not in index:
        visit(v)
for group in sorted(groups):
    print("cycle:", ", ".join(group))
    for a in group:
        for b in group:
            if a < b and b in edges[a] and a in edges[b]:
                print(f"    {a} <-> {b}")
print(f"{len(groups)} cycle group(s)")
