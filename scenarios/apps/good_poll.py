#!/usr/bin/env python3
"""good_poll: the CORRECT polling pattern (avoids P1-P4, P8, P9, P16; no inotify at all).

Every POLL_MS (default 200 ms) the app opens the file again through its user-visible path
(``/etc/config/app.conf`` -> ``..data/app.conf`` -> ``..<ts>/app.conf``; open() follows the links
afresh each time, so every ``..data`` swap is seen), hashes the content (sha256) and reloads only
when the hash differs. It never looks at mtimes (the link's own mtime never changes: P8) and
never keeps the file open (P9). A missing file is reported once and the last good content kept
(P13); when it comes back with new content the app reloads.

Usage: good_poll.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, POLL_MS (200).

Output (convention in _common.py; version = ``version=`` line, else ``sha256:<12 hex>``):
    START version=<v> app=good_poll pid=<pid> poll_ms=<ms>
    RELOAD n=<count> version=<v> via=poll
    WARN missing=<file> keep=<last-good version>

What a test should observe: one RELOAD per update, within POLL_MS of the swap, for every update
(three successive updates -> RELOAD n=1..3 with the three versions).
"""

import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def main() -> int:
    args = c.base_parser(__doc__).parse_args()
    name = c.files_from(args)[0]
    path = os.path.join(args.dir, name)
    poll = c.env_int("POLL_MS", 200)
    c.install_signal_handlers()

    def read():
        try:
            return c.read_bytes(path)
        except FileNotFoundError:
            return None

    data = read()
    digest = None if data is None else hashlib.sha256(data).hexdigest()
    version = c.content_version(data)
    c.emit("START", version=version, app=c.APP, pid=os.getpid(), poll_ms=poll)
    warned = data is None
    if warned:
        c.emit("WARN", missing=name, keep=version)
    n = 0
    while True:
        time.sleep(poll / 1000)
        try:
            data = read()
        except OSError as exc:
            c.emit_error("read", exc, file=name)
            continue
        if data is None:
            if not warned:
                warned = True
                c.emit("WARN", missing=name, keep=version)
            continue
        warned = False
        new = hashlib.sha256(data).hexdigest()
        if new != digest:
            digest = new
            version = c.content_version(data)
            n += 1
            c.emit("RELOAD", n=n, version=version, via="poll")


if __name__ == "__main__":
    sys.exit(main())
