#!/usr/bin/env python3
"""bug_lstat_poll: BUGGY - polls the mtime of the user-visible LINK with lstat() (pitfall P8).

Pattern from kars #450, dotnet #36091: ``os.lstat("/etc/config/app.conf").st_mtime`` every
POLL_MS, reload when it changes. ``app.conf`` is a symlink ``-> ..data/app.conf`` that kubelet
creates once and never touches again (an update swaps ``..data``, not the per-key links), so its
mtime never changes and the app never reloads. (``os.stat`` would follow the links and work.)

Usage: bug_lstat_poll.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, POLL_MS (200).

Output (convention in _common.py):
    START version=<v> app=bug_lstat_poll pid=<pid> mtime=<link mtime>
    RELOAD n=<count> version=<v>      (never printed under kubelet)

What a test should observe: no RELOAD after any number of updates; process alive.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def main() -> int:
    args = c.base_parser(__doc__).parse_args()
    path = os.path.join(args.dir, c.files_from(args)[0])
    poll = c.env_int("POLL_MS", 200) / 1000
    c.install_signal_handlers()
    data = c.read_bytes(path)
    mtime = os.lstat(path).st_mtime_ns
    c.emit("START", version=c.content_version(data), app=c.APP, pid=os.getpid(), mtime=mtime)
    n = 0
    while True:
        time.sleep(poll)
        try:
            m = os.lstat(path).st_mtime_ns
        except OSError as exc:
            c.emit_error("lstat", exc, file=path)
            continue
        if m != mtime:
            mtime = m
            data = c.read_bytes(path)
            n += 1
            c.emit("RELOAD", n=n, version=c.content_version(data))


if __name__ == "__main__":
    sys.exit(main())
