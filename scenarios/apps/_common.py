"""Shared conventions of the kubedrill sample apps (stdlib only). Not an app.

Output convention (every app, stdout, one line per event, flushed at once)
---------------------------------------------------------------------------
    KEYWORD key=value key=value ...

* KEYWORD is upper case and first on the line, so ``grep '^RELOAD '`` finds every reload.
* The fields an app documents come first in that order; later fields are extras and may grow.
* Values never contain whitespace; a value that would (an error message) is JSON-quoted.

Keywords:
    START  version=<v> app=<name> pid=<pid> ...   once, after the first read
    RELOAD n=<count> version=<v> ...              n counts reloads since start (1, 2, 3 ...)
    LISTEN port=<port>                            an HTTP(S) app is accepting connections
    WARN   ...                                    degraded but alive (e.g. file missing, last-good kept)
    ERROR  op=<what> ... err=<errno name or exception> msg="..."
    MISMATCH ...                                  bug_torn_tls: cert and key do not belong together
    EVENT  mask=<IN_X|IN_Y> name=<name>           raw inotify event, only with APP_DEBUG=1
    EXIT   code=<rc> reason=<why>                 last line on a clean or deliberate exit

Version convention (one rule, all apps, also the shell variants)
-----------------------------------------------------------------
The version of a file's content is the value of its first line of the form ``version=<v>``
(also ``version: <v>``, ``# version=<v>``, ``; version = <v>``, ``"version": "<v>"``; the key is
case-insensitive; the value ends at whitespace, a quote or a comma). Content without such a line
has version ``sha256:<first 12 hex digits of sha256(content)>``. A missing file has version ``-``.
So an ini file ``# version=v2\\n[database]\\nhost=db-svc`` has version ``v2``, and a PEM file has
``sha256:...``. Apps that watch several files report the version of the first one.

Common environment
------------------
    APP_DEBUG=1   print EVENT lines for every raw inotify event
SIGTERM and SIGINT print ``EXIT code=0 reason=SIGTERM`` and exit 0.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import re
import signal
import sys
import time

APP = os.path.splitext(os.path.basename(sys.argv[0] or "app"))[0]
DEBUG = os.environ.get("APP_DEBUG", "") not in ("", "0", "false", "no")

_VERSION_RE = re.compile(
    rb"""^[ \t]*(?:[#;/]+[ \t]*)?["']?version["']?[ \t]*[=:][ \t]*["']?([^\s"',]+)""",
    re.MULTILINE | re.IGNORECASE,
)
_PLAIN = re.compile(r"^[^\s\"']+$")


def content_version(data: bytes | None) -> str:
    """The version of some content, per the convention in this module's docstring."""
    if data is None:
        return "-"
    m = _VERSION_RE.search(data)
    if m:
        return m.group(1).decode("utf-8", "replace")
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]


def _fmt(value) -> str:
    s = str(value)
    return s if _PLAIN.match(s) else json.dumps(s)


def emit(keyword: str, **fields) -> None:
    """Print one convention line and flush."""
    parts = [keyword] + [f"{k}={_fmt(v)}" for k, v in fields.items()]
    print(" ".join(parts), flush=True)


def err_name(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in errno.errorcode:
        return errno.errorcode[code]
    return type(exc).__name__


def emit_error(op: str, exc: BaseException, **fields) -> None:
    emit("ERROR", op=op, **fields, err=err_name(exc), msg=str(exc))


def debug_event(ev) -> None:
    if DEBUG:
        emit("EVENT", mask="|".join(ev.flags), name=ev.name or ".", wd=ev.wd, cookie=ev.cookie)


def install_signal_handlers() -> None:
    """SIGTERM/SIGINT -> print EXIT and exit 0 (SystemExit from the main thread)."""

    def handler(signum, _frame):
        signal.signal(signum, signal.SIG_IGN)  # no second EXIT line
        emit("EXIT", code=0, reason=signal.Signals(signum).name)
        sys.exit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def base_parser(doc: str | None) -> argparse.ArgumentParser:
    """--dir (env CONFIG_DIR, default /etc/config) and --file (env CONFIG_FILE, default app.conf).

    --file may be given several times and is relative to --dir unless absolute."""
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", default=os.environ.get("CONFIG_DIR", "/etc/config"),
                   help="mounted volume directory (env CONFIG_DIR, default /etc/config)")
    p.add_argument("--file", action="append", default=None,
                   help="file (key) to read, relative to --dir; repeatable "
                        "(env CONFIG_FILE, default app.conf)")
    return p


def files_from(args) -> list[str]:
    return args.file or [os.environ.get("CONFIG_FILE", "app.conf")]


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


# --- the correct way to read a kubelet-managed volume ---------------------------------------

DATA = "..data"


def resolve_data_dir(vol: str) -> str:
    """Resolve ``vol/..data`` ONCE: returns ``vol/..2026_...`` (or ``vol`` itself when the
    directory is not managed by an AtomicWriter, e.g. a plain directory in a local test)."""
    link = os.path.join(vol, DATA)
    try:
        target = os.readlink(link)
    except OSError:
        return vol
    return os.path.join(vol, target)  # join() keeps an absolute target as is


class Snapshot:
    """Contents of several files read from ONE resolved ``..data`` directory."""

    def __init__(self, base: str, contents: dict[str, bytes | None]):
        self.base = base
        self.contents = contents
        h = hashlib.sha256()
        for name in sorted(contents):
            data = contents[name]
            h.update(name.encode() + b"\0")
            h.update(b"-" if data is None else b"+" + len(data).to_bytes(8, "big") + data)
        self.digest = h.hexdigest()

    @property
    def missing(self) -> list[str]:
        return [n for n, d in self.contents.items() if d is None]

    def version(self, name: str | None = None) -> str:
        if name is None:
            name = next(iter(self.contents))
        return content_version(self.contents.get(name))


def read_snapshot(vol: str, names: list[str], attempts: int = 5) -> Snapshot:
    """Read every file of ``names`` from the same resolved ``..data`` directory.

    A file that is missing in a directory that is still current is reported as None (the key
    was removed). If ``..data`` moved while reading (the old dir was deleted under us), retry."""
    last_exc: OSError | None = None
    for _ in range(attempts):
        base = resolve_data_dir(vol)
        contents: dict[str, bytes | None] = {}
        try:
            for name in names:
                try:
                    contents[name] = read_bytes(os.path.join(base, name))
                except FileNotFoundError:
                    contents[name] = None
        except OSError as exc:  # EISDIR, EACCES ...
            last_exc = exc
            time.sleep(0.01)
            continue
        if resolve_data_dir(vol) == base and (base == vol or os.path.isdir(base)):
            return Snapshot(base, contents)
        time.sleep(0.01)  # swapped while we read: read again from the new dir
    if last_exc is not None:
        raise last_exc
    return Snapshot(base, contents)


# inotify mask for a watch on the volume DIRECTORY
DIR_MASK_NAMES = ("IN_CREATE", "IN_MOVED_TO", "IN_MOVED_FROM", "IN_DELETE", "IN_MODIFY",
                  "IN_CLOSE_WRITE", "IN_ATTRIB", "IN_DELETE_SELF", "IN_MOVE_SELF")


class VolumeWatch:
    """The correct watch loop. Create it BEFORE the initial read (so no update can fall between
    the read and the watch), then call ``run(check)``, which never returns (SIGTERM ends it).

    * one inotify watch on the volume DIRECTORY (it survives every ``..data`` swap);
    * an event naming ``..data`` (the MOVED_TO of the swap, or a CREATE from writers that
      remove-then-symlink), naming one of our top-level entries (plain writes, key removed or
      re-added), or a queue overflow is only a HINT: ``check("inotify")`` runs once, ``debounce_s``
      after the last hint (at most 5 x debounce after the first), so one update = one check;
    * ``check("resync")`` also runs every ``resync_s`` seconds: the safety net for lost events,
      a stopped process, or a volume directory that was re-created.
    ``check`` must be idempotent (compare a content hash): it decides whether to reload."""

    def __init__(self, vol: str, names: list[str], debounce_s: float = 0.1, resync_s: float = 2.0):
        import _inotify as ino

        self.ino = ino
        self.vol = vol
        self.debounce_s = debounce_s
        self.resync_s = resync_s
        self.mask = ino.IN_ONLYDIR
        for n in DIR_MASK_NAMES:
            self.mask |= getattr(ino, n)
        self.tops = {n.split("/", 1)[0] for n in names if not os.path.isabs(n)}
        self.inotify = ino.Inotify()
        self.wd = None
        self._reported = False
        self._arm()

    def _arm(self) -> None:
        try:
            self.wd = self.inotify.add_watch(self.vol, self.mask)
            self._reported = False
        except OSError as exc:
            self.wd = None
            if not self._reported:
                emit_error("watch", exc, dir=self.vol)
                self._reported = True

    def run(self, check) -> None:
        ino = self.ino
        next_resync = time.monotonic() + self.resync_s
        first_hint = deadline = None
        while True:
            now = time.monotonic()
            wake = next_resync if deadline is None else min(next_resync, deadline)
            for ev in self.inotify.read(timeout=max(0.0, wake - now)):
                debug_event(ev)
                hint = False
                if ev.mask & ino.IN_Q_OVERFLOW:
                    hint = True
                elif not ev.name and ev.mask & (ino.IN_IGNORED | ino.IN_DELETE_SELF | ino.IN_MOVE_SELF):
                    if ev.mask & ino.IN_IGNORED:
                        self.wd = None  # the directory itself went away; re-armed on resync
                    hint = True
                elif ev.name == DATA or ev.name in self.tops:
                    hint = True
                if hint:
                    t = time.monotonic()
                    if first_hint is None:
                        first_hint = t
                    deadline = min(t + self.debounce_s, first_hint + 5 * self.debounce_s)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                first_hint = deadline = None
                check("inotify")
            if now >= next_resync:
                next_resync = now + self.resync_s
                if self.wd is None:
                    self._arm()
                check("resync")


def volume_watch_from_env(vol: str, names: list[str]) -> VolumeWatch:
    """VolumeWatch with DEBOUNCE_MS (default 100) and RESYNC_MS (default 2000) from the env."""
    return VolumeWatch(vol, names, debounce_s=env_int("DEBOUNCE_MS", 100) / 1000,
                       resync_s=env_int("RESYNC_MS", 2000) / 1000)
