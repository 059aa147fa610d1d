#!/usr/bin/env python3
"""bug_storm: BUGGY - reloads on EVERY inotify event in the volume directory (pitfall P11).

Pattern from viper #609: a directory watch (good) whose handler reloads for every event it gets
(bad). One AtomicWriter update produces about six events in the volume directory: CREATE,ISDIR
``..<new ts>``, ATTRIB ``..<new ts>``, CREATE ``..data_tmp``, MOVED_FROM ``..data_tmp``,
MOVED_TO ``..data``, DELETE,ISDIR ``..<old ts>`` - and the app does a full reload for each one,
some of them before the swap (reading the old content again). No debounce, no hash compare.

Usage: bug_storm.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, APP_DEBUG.

Output (convention in _common.py):
    START version=<v> app=bug_storm pid=<pid>
    RELOAD n=<count> version=<v> event=<IN_X|IN_Y> name=<entry>    one per event

What a test should observe: one update -> several RELOAD lines (> 1, typically 6) instead of
exactly one; then the count stays flat while the volume is quiet.
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
    inotify.add_watch(args.dir, ino.IN_CREATE | ino.IN_DELETE | ino.IN_MODIFY | ino.IN_ATTRIB
                      | ino.IN_MOVED_FROM | ino.IN_MOVED_TO | ino.IN_CLOSE_WRITE)
    c.emit("START", version=c.content_version(c.read_bytes(path)), app=c.APP, pid=os.getpid())
    n = 0
    while True:
        for ev in inotify.read():
            c.debug_event(ev)
            if ev.mask & ino.IN_IGNORED:
                continue
            try:
                data = c.read_bytes(path)  # the "reload"
            except OSError as exc:
                c.emit_error("read", exc, file=path)
                continue
            n += 1
            c.emit("RELOAD", n=n, version=c.content_version(data),
                   event="|".join(ev.flags), name=ev.name or ".")


if __name__ == "__main__":
    sys.exit(main())
