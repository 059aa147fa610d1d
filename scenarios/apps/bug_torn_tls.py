#!/usr/bin/env python3
"""bug_torn_tls: BUGGY - reads cert and key through the user-visible links at different times (P10).

Pattern from k8s #127538, cert-manager #2402: on each ``..data`` event the app opens
``cert.pem``, and a little later ``key.pem``, each through its own user-visible symlink
(``cert.pem -> ..data/cert.pem``). If another swap lands between the two opens, it pairs the
certificate of rotation N with the key of rotation N+1. The window is widened on purpose with a
TORN_SLEEP_MS (default 50 ms) sleep between the two reads. The pair is checked with
``ssl.SSLContext.load_cert_chain`` (OpenSSL's key/cert consistency check); a failure is reported
as MISMATCH - a real server would fail to start or serve handshake errors.

Usage: bug_torn_tls.py [--cert /etc/tls/cert.pem] [--key /etc/tls/key.pem]
Env:   TORN_SLEEP_MS (50), APP_DEBUG.

Output (convention in _common.py; version = version of cert.pem):
    START version=<v> app=bug_torn_tls pid=<pid> cert_sha256=<hex of leaf DER>
    RELOAD n=<count> version=<v> cert_sha256=<hex>          a consistent pair was loaded
    MISMATCH n=<count> version=<v> cert_sha256=<hex> err=SSLError msg="...key values mismatch..."

What a test should observe: with pair rotations closer together than TORN_SLEEP_MS (e.g. two
swaps 20 ms apart, repeated), at least one MISMATCH line; good_tls on the same volume never
reports one.
"""

import argparse
import atexit
import hashlib
import os
import re
import shutil
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402
import _inotify as ino  # noqa: E402

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def leaf_sha256(cert_pem: bytes) -> str:
    m = _PEM_CERT.search(cert_pem)
    if not m:
        return "-"
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(m.group(0).decode("ascii"))).hexdigest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cert", default=os.environ.get("TLS_CERT", "/etc/tls/cert.pem"))
    p.add_argument("--key", default=os.environ.get("TLS_KEY", "/etc/tls/key.pem"))
    args = p.parse_args()
    gap = c.env_int("TORN_SLEEP_MS", 50) / 1000
    c.install_signal_handlers()
    vol = os.path.dirname(os.path.abspath(args.cert))
    work = tempfile.mkdtemp(prefix="bug_torn_tls.")
    os.chmod(work, 0o700)
    atexit.register(shutil.rmtree, work, True)

    def load():
        """The bug: two opens through two links, time in between."""
        cert = c.read_bytes(args.cert)
        time.sleep(gap)
        key = c.read_bytes(args.key)
        cpath, kpath = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        with open(cpath, "wb") as f:
            f.write(cert)
        with open(kpath, "wb") as f:
            f.write(key)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(cpath, kpath)
            return cert, None
        except ssl.SSLError as exc:
            return cert, exc

    inotify = ino.Inotify()
    inotify.add_watch(vol, ino.IN_CREATE | ino.IN_MOVED_TO)
    cert, exc = load()
    c.emit("START", version=c.content_version(cert), app=c.APP, pid=os.getpid(),
           cert_sha256=leaf_sha256(cert))
    last = None if exc else cert
    n = 0
    while True:
        for ev in inotify.read():
            c.debug_event(ev)
            if ev.name != "..data":
                continue
            try:
                cert, exc = load()
            except OSError as e:
                c.emit_error("read", e, dir=vol)
                continue
            if exc is not None:
                n += 1
                c.emit("MISMATCH", n=n, version=c.content_version(cert),
                       cert_sha256=leaf_sha256(cert), err=type(exc).__name__, msg=str(exc))
            elif cert != last:
                last = cert
                n += 1
                c.emit("RELOAD", n=n, version=c.content_version(cert), cert_sha256=leaf_sha256(cert))


if __name__ == "__main__":
    sys.exit(main())
