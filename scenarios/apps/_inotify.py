"""Minimal inotify(7) binding for the kubedrill sample apps (stdlib only: ctypes + os + select).

Not an app: the sample apps import it after putting their own directory on ``sys.path``::

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _inotify

API
---
``Inotify()``                 inotify_init1(IN_NONBLOCK | IN_CLOEXEC); a context manager.
``Inotify.add_watch(path, mask) -> wd``   follows symlinks unless ``IN_DONT_FOLLOW`` is in mask
                              (this is exactly why a watch on ``/etc/config/app.conf`` lands on
                              ``..2026_.../app.conf`` and dies with it: pitfall P1).
``Inotify.rm_watch(wd)``
``Inotify.read(timeout=None) -> list[Event]``  waits up to ``timeout`` seconds (None = forever,
                              0 = poll) and returns every event queued; [] on timeout.
``Event``                     ``wd, mask, cookie, name`` (str, '' for the watched object itself),
                              ``path`` (watched path joined with name), ``flags`` (names such as
                              ``['IN_CREATE', 'IN_ISDIR']``), ``str(ev)`` -> ``IN_CREATE|IN_ISDIR ..2026_...``
``mask_names(mask)``          decode a mask into a list of flag names.

OSError (with errno set) is raised on failures, e.g. ENOENT when adding a watch on a path that
does not exist.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno as _errno
import os
import select
import struct

IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
# reported by the kernel whatever the mask
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
# flags for add_watch
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_CREATE = 0x10000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_ONESHOT = 0x80000000

IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO
IN_ALL_EVENTS = 0x00000FFF

# inotify_init1 flags are the O_* values of the platform
IN_CLOEXEC = os.O_CLOEXEC
IN_NONBLOCK = os.O_NONBLOCK

_FLAG_NAMES = [
    (IN_ACCESS, "IN_ACCESS"),
    (IN_MODIFY, "IN_MODIFY"),
    (IN_ATTRIB, "IN_ATTRIB"),
    (IN_CLOSE_WRITE, "IN_CLOSE_WRITE"),
    (IN_CLOSE_NOWRITE, "IN_CLOSE_NOWRITE"),
    (IN_OPEN, "IN_OPEN"),
    (IN_MOVED_FROM, "IN_MOVED_FROM"),
    (IN_MOVED_TO, "IN_MOVED_TO"),
    (IN_CREATE, "IN_CREATE"),
    (IN_DELETE, "IN_DELETE"),
    (IN_DELETE_SELF, "IN_DELETE_SELF"),
    (IN_MOVE_SELF, "IN_MOVE_SELF"),
    (IN_UNMOUNT, "IN_UNMOUNT"),
    (IN_Q_OVERFLOW, "IN_Q_OVERFLOW"),
    (IN_IGNORED, "IN_IGNORED"),
    (IN_ISDIR, "IN_ISDIR"),
]

_HEADER = struct.Struct("iIII")  # int wd; uint32 mask; uint32 cookie; uint32 len


def mask_names(mask: int) -> list[str]:
    """Decode an event mask into flag names, e.g. ['IN_CREATE', 'IN_ISDIR']."""
    names = [name for bit, name in _FLAG_NAMES if mask & bit]
    rest = mask & ~sum(bit for bit, _ in _FLAG_NAMES)
    if rest:
        names.append(hex(rest))
    return names


def _load_libc():
    for candidate in (None, ctypes.util.find_library("c"), "libc.so.6"):
        try:
            lib = ctypes.CDLL(candidate, use_errno=True)
            lib.inotify_init1  # noqa: B018 - probe the symbol
            return lib
        except (OSError, AttributeError, TypeError):
            continue
    raise OSError(_errno.ENOSYS, "libc with inotify_init1 not found")


_libc = _load_libc()
_libc.inotify_init1.argtypes = [ctypes.c_int]
_libc.inotify_init1.restype = ctypes.c_int
_libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
_libc.inotify_add_watch.restype = ctypes.c_int
_libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
_libc.inotify_rm_watch.restype = ctypes.c_int


def _raise_errno(what: str, path: str | None = None):
    err = ctypes.get_errno()
    raise OSError(err, f"{what}: {os.strerror(err)}", path)


class Event:
    __slots__ = ("wd", "mask", "cookie", "name", "path")

    def __init__(self, wd: int, mask: int, cookie: int, name: str, path: str):
        self.wd = wd
        self.mask = mask
        self.cookie = cookie
        self.name = name
        self.path = path

    @property
    def flags(self) -> list[str]:
        return mask_names(self.mask)

    def __str__(self) -> str:
        return "|".join(self.flags) + (" " + self.name if self.name else "")

    def __repr__(self) -> str:
        return (f"Event(wd={self.wd}, mask={'|'.join(self.flags)}, cookie={self.cookie}, "
                f"name={self.name!r})")


class Inotify:
    """One inotify instance. Not thread-safe; use from one thread."""

    def __init__(self):
        fd = _libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            _raise_errno("inotify_init1")
        self.fd = fd
        self.watches: dict[int, str] = {}

    def fileno(self) -> int:
        return self.fd

    def add_watch(self, path: str, mask: int) -> int:
        wd = _libc.inotify_add_watch(self.fd, os.fsencode(path), mask)
        if wd < 0:
            _raise_errno("inotify_add_watch", path)
        self.watches[wd] = path
        return wd

    def rm_watch(self, wd: int) -> None:
        self.watches.pop(wd, None)
        if _libc.inotify_rm_watch(self.fd, wd) < 0:
            _raise_errno("inotify_rm_watch")

    def read(self, timeout: float | None = None) -> list[Event]:
        if self.fd < 0:
            raise ValueError("inotify instance closed")
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        events: list[Event] = []
        while True:
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not buf:
                break
            events.extend(self._parse(buf))
        return events

    def _parse(self, buf: bytes) -> list[Event]:
        out = []
        off = 0
        while off + _HEADER.size <= len(buf):
            wd, mask, cookie, length = _HEADER.unpack_from(buf, off)
            off += _HEADER.size
            raw = buf[off:off + length].split(b"\0", 1)[0]
            off += length
            name = os.fsdecode(raw)
            base = self.watches.get(wd, "")
            path = os.path.join(base, name) if name else base
            if mask & IN_IGNORED:
                # the kernel dropped this watch (rm_watch, or its inode is gone)
                self.watches.pop(wd, None)
            out.append(Event(wd, mask, cookie, name, path))
        return out

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            self.watches.clear()

    def __enter__(self) -> "Inotify":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
