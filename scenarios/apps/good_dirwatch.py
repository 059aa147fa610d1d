#!/usr/bin/env python3
"""good_dirwatch: the CORRECT inotify pattern for a ConfigMap/Secret volume (avoids P1-P9, P11-P13, P16).

kubelet never writes the file the app reads: it writes a new ``..<UTC timestamp>`` directory,
renames ``..data_tmp`` over ``..data`` and deletes the old directory. This app therefore:

* watches the volume DIRECTORY (not the file, not ``..data``): the watch survives every swap (P1, P4);
* treats any event naming ``..data`` (MOVED_TO from the rename, CREATE from remove+symlink
  writers) or one of its files as a hint, not as the change itself (P2, P3, P7);
* debounces hints for DEBOUNCE_MS (default 100 ms) and then resolves ``..data`` ONCE and reads
  every file from that one directory (no torn multi-file read, P10; no cached fd or path, P9);
* compares a sha256 of the contents and reloads only when it differs: exactly one RELOAD per real
  update, none for the other 6-8 events of a swap (P11);
* optionally validates (``--validate ini|json``) and keeps the last good content on bad input
  (P12); keeps running and keeps last-good when a file disappears, reloads when it comes back (P6, P13);
* re-checks every RESYNC_MS (default 2000 ms) as a safety net for lost events (P16).

Usage: good_dirwatch.py [--dir /etc/config] [--file app.conf ...] [--validate none|ini|json]
Env:   CONFIG_DIR, CONFIG_FILE, DEBOUNCE_MS (100), RESYNC_MS (2000), APP_DEBUG.

Output (see _common.py for the convention; version = ``version=`` line, else ``sha256:<12 hex>``):
    START version=<v> app=good_dirwatch pid=<pid> files=<n>
    RELOAD n=<count> version=<v> via=inotify|resync
    WARN missing=<file> keep=<last-good version>         file gone, still serving last-good
    ERROR op=validate file=<file> err=<exc> msg="..."   invalid content, last-good kept

What a test should observe: after each of three successive updates exactly one
``RELOAD n=k version=v<k+1>`` (n = 1, 2, 3), no further RELOAD while the volume is quiet, the
process alive after a key is removed (WARN), and a RELOAD once the key is back.
"""

import configparser
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def validate(kind: str, name: str, data: bytes) -> None:
    if kind == "ini":
        configparser.ConfigParser().read_string(data.decode("utf-8"), source=name)
    elif kind == "json":
        json.loads(data)


def main() -> int:
    p = c.base_parser(__doc__)
    p.add_argument("--validate", choices=["none", "ini", "json"],
                   default=os.environ.get("VALIDATE", "none"))
    args = p.parse_args()
    names = c.files_from(args)
    c.install_signal_handlers()
    watch = c.volume_watch_from_env(args.dir, names)  # before the first read

    state = {"digest": None, "version": "-", "n": 0, "warned": None}

    def check(via: str, initial: bool = False) -> list:
        """Read the volume; reload if the content changed. Returns lines to print (deferred
        on the initial load so that START is the first line)."""
        out = []
        try:
            snap = c.read_snapshot(args.dir, names)
        except OSError as exc:
            out.append(("ERROR", dict(op="read", dir=args.dir, err=c.err_name(exc), msg=str(exc))))
            return flush(out, initial)
        missing = snap.missing
        if missing:
            if state["warned"] != missing:
                state["warned"] = missing
                out.append(("WARN", dict(missing=",".join(missing), keep=state["version"])))
            return flush(out, initial)
        state["warned"] = None
        if snap.digest == state["digest"]:
            return flush(out, initial)  # no real change: another event of the same swap, or a resync
        state["digest"] = snap.digest  # judged once, even if invalid
        if args.validate != "none":
            for name, data in snap.contents.items():
                try:
                    validate(args.validate, name, data)
                except Exception as exc:  # noqa: BLE001 - any parse error keeps last-good
                    out.append(("ERROR", dict(op="validate", file=name, err=type(exc).__name__,
                                              msg=str(exc), keep=state["version"])))
                    return flush(out, initial)
        state["version"] = snap.version(names[0])
        if not initial:
            state["n"] += 1
            out.append(("RELOAD", dict(n=state["n"], version=state["version"], via=via)))
        return flush(out, initial)

    def flush(out: list, initial: bool) -> list:
        if initial:
            return out
        for kw, fields in out:
            c.emit(kw, **fields)
        return []

    pending = check("start", initial=True)
    c.emit("START", version=state["version"], app=c.APP, pid=os.getpid(), files=len(names))
    for kw, fields in pending:
        c.emit(kw, **fields)
    watch.run(check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
