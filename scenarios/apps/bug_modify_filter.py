#!/usr/bin/env python3
"""bug_modify_filter: BUGGY - directory watch filtered on MODIFY/CLOSE_WRITE of the file name (P2).

Pattern from istio #38366, limitador #95: the app correctly watches the volume directory, but
only acts on IN_MODIFY / IN_CLOSE_WRITE events whose name is ``app.conf`` - what an editor or
``echo > app.conf`` would produce. An AtomicWriter update only produces events named
``..<ts>``, ``..data_tmp`` and ``..data`` (CREATE, ATTRIB, MOVED_FROM/MOVED_TO, DELETE); the
user-visible name never gets MODIFY or CLOSE_WRITE. So the app never reloads.

Usage: bug_modify_filter.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, APP_DEBUG (=1 prints the EVENT lines it ignores).

Output (convention in _common.py):
    START version=<v> app=bug_modify_filter pid=<pid>
    RELOAD n=<count> version=<v>      (never printed under kubelet)

What a test should observe: no RELOAD at all after any number of updates, while the process
stays alive. kubedrill: "never reloaded" on the first update, cause P2 (events seen only for
``..data``).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402
import _inotify as ino  # noqa: E402


def main() -> int:
    args = c.base_parser(__doc__).parse_args()
    name = c.files_from(args)[0]
    path = os.path.join(args.dir, name)
    c.install_signal_handlers()
    inotify = ino.Inotify()
    inotify.add_watch(args.dir, ino.IN_ALL_EVENTS & ~(ino.IN_ACCESS | ino.IN_OPEN | ino.IN_CLOSE_NOWRITE))
    data = c.read_bytes(path)
    c.emit("START", version=c.content_version(data), app=c.APP, pid=os.getpid())
    n = 0
    while True:
        for ev in inotify.read():
            c.debug_event(ev)
            if ev.name == name and ev.mask & (ino.IN_MODIFY | ino.IN_CLOSE_WRITE):
                new = c.read_bytes(path)
                if new != data:
                    data = new
                    n += 1
                    c.emit("RELOAD", n=n, version=c.content_version(data))


if __name__ == "__main__":
    sys.exit(main())
