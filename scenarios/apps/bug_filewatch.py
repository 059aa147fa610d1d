#!/usr/bin/env python3
"""bug_filewatch: BUGGY - inotify watch on the FILE path itself (pitfall P1).

Pattern from k8s #111947, cilium #13636, spring-boot #44807: ``inotify_add_watch(
"/etc/config/app.conf", IN_MODIFY|IN_CLOSE_WRITE|IN_ATTRIB|IN_DELETE_SELF)``. inotify follows the
symlinks, so the watch sits on the inode of ``..<old ts>/app.conf``. kubelet never modifies that
file: on the first update it swaps ``..data`` and deletes the old directory, so the watch gets
IN_ATTRIB (link count drops to 0), IN_DELETE_SELF and IN_IGNORED - and is gone. The app re-reads
the file on those events (through the user-visible path, so it does see the new content once),
and then never hears about the volume again. It does not re-arm: that is the bug.

Usage: bug_filewatch.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, APP_DEBUG (=1 also prints EVENT lines: watch the IN_IGNORED).

Output (convention in _common.py; version = ``version=`` line, else ``sha256:<12 hex>``):
    START version=<v> app=bug_filewatch pid=<pid>
    RELOAD n=<count> version=<v>      only when the re-read content differs

What a test should observe: three successive updates v2, v3, v4 -> exactly one RELOAD (v2, from
the events of the first swap) and never v3 or v4. kubedrill: "reloaded once, then never" at
the 2nd update (or "never" if the first update's events came too early to see new content).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402
import _inotify as ino  # noqa: E402


def main() -> int:
    args = c.base_parser(__doc__).parse_args()
    path = os.path.join(args.dir, c.files_from(args)[0])
    c.install_signal_handlers()
    inotify = ino.Inotify()
    # the bug: inotify follows the links, this watches the inode of ..<ts>/app.conf
    inotify.add_watch(path, ino.IN_MODIFY | ino.IN_CLOSE_WRITE | ino.IN_ATTRIB | ino.IN_DELETE_SELF)
    data = c.read_bytes(path)
    c.emit("START", version=c.content_version(data), app=c.APP, pid=os.getpid())
    n = 0
    while True:
        for ev in inotify.read():  # blocks forever once the watch is gone
            c.debug_event(ev)
            if ev.mask & ino.IN_IGNORED:
                continue  # "the file was replaced": nothing to do, it will be fine...
            try:
                new = c.read_bytes(path)
            except OSError as exc:
                c.emit_error("read", exc, file=path)
                continue
            if new != data:
                data = new
                n += 1
                c.emit("RELOAD", n=n, version=c.content_version(data))


if __name__ == "__main__":
    sys.exit(main())
