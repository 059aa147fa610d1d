#!/usr/bin/env python3
"""bug_fd_cache: BUGGY - keeps the config file open and re-reads the same fd (pitfall P9).

Pattern from linkerd #1076: the file is opened once at start; every POLL_MS the app does
``f.seek(0); f.read()`` and reloads if the content changed. The fd refers to the inode of
``..<old ts>/app.conf``; kubelet never modifies it, it swaps ``..data`` and unlinks the old
directory, so the fd keeps the old content forever (the inode lives on as long as the fd is
open: ``/proc/<pid>/fd/N -> /etc/config/..2026_.../app.conf (deleted)``).

Usage: bug_fd_cache.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, POLL_MS (200).

Output (convention in _common.py):
    START version=<v> app=bug_fd_cache pid=<pid> fd=<n>
    RELOAD n=<count> version=<v>      (never printed under kubelet)

What a test should observe: no RELOAD after any number of updates; after the first update
``/proc/<pid>/fd/<fd>`` points into a ``..<ts>`` directory and ends in ``(deleted)``.
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
    f = open(path, "rb")  # noqa: SIM115 - kept open on purpose: that is the bug
    data = f.read()
    c.emit("START", version=c.content_version(data), app=c.APP, pid=os.getpid(), fd=f.fileno())
    n = 0
    while True:
        time.sleep(poll)
        f.seek(0)
        new = f.read()
        if new != data:
            data = new
            n += 1
            c.emit("RELOAD", n=n, version=c.content_version(data))


if __name__ == "__main__":
    sys.exit(main())
