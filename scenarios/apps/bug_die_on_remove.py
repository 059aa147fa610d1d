#!/usr/bin/env python3
"""bug_die_on_remove: BUGGY - watches correctly, but exits when its file disappears (P13).

Same directory watch as good_dirwatch (hint on ``..data``, resolve once, hash compare, one
RELOAD per update), but a read that fails with ENOENT is treated as fatal: the app prints an
ERROR and exits with status 1. Files disappear legitimately: a key removed from the ConfigMap
(its link is removed in step 11 of the AtomicWriter), or an optional ConfigMap deleted (all
links removed). In Kubernetes the container then crash-loops until the key comes back.

Usage: bug_die_on_remove.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, DEBOUNCE_MS (100), RESYNC_MS (2000), APP_DEBUG.

Output (convention in _common.py):
    START version=<v> app=bug_die_on_remove pid=<pid>
    RELOAD n=<count> version=<v> via=inotify|resync
    ERROR op=read file=<file> err=ENOENT
    EXIT code=1 reason=ENOENT

What a test should observe: three updates -> three RELOADs (it watches correctly); then remove
the key (or delete an optional ConfigMap) -> the process exits with status 1 within ~DEBOUNCE_MS.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def main() -> int:
    args = c.base_parser(__doc__).parse_args()
    names = c.files_from(args)[:1]
    c.install_signal_handlers()
    state = {"digest": None, "n": 0}

    def load():
        snap = c.read_snapshot(args.dir, names)
        if snap.missing:
            c.emit("ERROR", op="read", file=names[0], err="ENOENT")
            c.emit("EXIT", code=1, reason="ENOENT")
            sys.exit(1)  # the bug: a missing file is fatal
        return snap

    watch = c.volume_watch_from_env(args.dir, names)
    snap = load()
    state["digest"] = snap.digest
    c.emit("START", version=snap.version(), app=c.APP, pid=os.getpid())

    def check(via: str) -> None:
        snap = load()
        if snap.digest != state["digest"]:
            state["digest"] = snap.digest
            state["n"] += 1
            c.emit("RELOAD", n=state["n"], version=snap.version(), via=via)

    watch.run(check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
