#!/usr/bin/env python3
"""good_tls: HTTPS server that rotates its certificate CORRECTLY (avoids P10 torn pairs and P15).

The seed builds ``ssl_context.load_cert_chain(cert, key)`` once at start and serves the old
certificate until a restart (P15). This app instead:

* watches the Secret volume DIRECTORY like good_dirwatch (hint on ``..data``, debounce
  DEBOUNCE_MS=100, periodic resync RESYNC_MS=2000);
* on a change resolves ``..data`` ONCE and loads cert AND key from that one ``..<ts>`` directory
  into a NEW ``ssl.SSLContext`` (a timestamped directory is never modified, so the pair can never
  be torn, P10); a pair that fails to load is reported and the last good context kept (P12);
* swaps the new context in for NEW connections (each accepted socket is wrapped with the current
  context; established connections keep theirs).

Usage: good_tls.py [--cert /etc/tls/cert.pem] [--key /etc/tls/key.pem]
       (both must live in the same volume directory)
Env:   PORT (8443; 0 = any free port), HOST (0.0.0.0), DEBOUNCE_MS, RESYNC_MS, APP_DEBUG.

HTTP: ``GET /`` -> body ``<version>\\n`` (version of cert.pem per the convention in _common.py:
a ``version=`` line, else ``sha256:<12 hex of the file>``), header ``X-Cert-Sha256``.

Output:
    START version=<v> app=good_tls pid=<pid> cert_sha256=<hex of the leaf DER>
    LISTEN port=<port>
    RELOAD n=<count> version=<v> cert_sha256=<hex of the leaf DER> via=inotify|resync
    ERROR op=load ... keep=<cert_sha256 still served>

What a test should observe: after each Secret rotation one RELOAD with the new leaf's sha256, and
a NEW TLS connection presents that certificate (``getpeercert(binary_form=True)``) within about
DEBOUNCE_MS; under rapid rotations never an ERROR about a key mismatch.
"""

import argparse
import hashlib
import os
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def leaf_sha256(cert_pem: bytes) -> str:
    m = _PEM_CERT.search(cert_pem)
    if not m:
        raise ValueError("no PEM certificate found")
    der = ssl.PEM_cert_to_DER_cert(m.group(0).decode("ascii"))
    return hashlib.sha256(der).hexdigest()


class Current:
    """The context used for new connections (attribute swap is atomic under the GIL)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ctx = None
        self.version = "-"
        self.cert_sha = "-"
        self.digest = None
        self.n = 0


CUR = Current()


def load_pair(vol: str, cert_name: str, key_name: str, attempts: int = 5):
    """(snapshot, new SSLContext, leaf sha) with cert and key from ONE resolved ..data dir."""
    last = None
    for _ in range(attempts):
        snap = c.read_snapshot(vol, [cert_name, key_name])
        if snap.missing:
            raise FileNotFoundError(2, "missing " + ",".join(snap.missing))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            # same directory as the bytes just hashed; it is never modified, only deleted
            ctx.load_cert_chain(os.path.join(snap.base, cert_name), os.path.join(snap.base, key_name))
        except FileNotFoundError as exc:  # the dir was deleted by the next update: read again
            last = exc
            continue
        return snap, ctx, leaf_sha256(snap.contents[cert_name])
    raise last


class Handler(BaseHTTPRequestHandler):
    timeout = 10
    server_version = "kubedrill-good-tls"

    def setup(self):
        self.request.do_handshake()  # in the handler thread, not in the accept loop
        super().setup()

    def do_GET(self):  # noqa: N802
        body = (CUR.version + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Cert-Sha256", CUR.cert_sha)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = self.socket.accept()
        ctx = CUR.ctx  # the context current at accept time
        return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        if c.DEBUG:
            c.emit("EVENT", kind="conn_error", peer=client_address[0], msg=str(sys.exc_info()[1]))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cert", default=os.environ.get("TLS_CERT", "/etc/tls/cert.pem"))
    p.add_argument("--key", default=os.environ.get("TLS_KEY", "/etc/tls/key.pem"))
    args = p.parse_args()
    c.install_signal_handlers()
    vol = os.path.dirname(os.path.abspath(args.cert))
    if os.path.dirname(os.path.abspath(args.key)) != vol:
        print("good_tls: --cert and --key must be in the same volume directory", file=sys.stderr)
        return 2
    cert_name, key_name = os.path.basename(args.cert), os.path.basename(args.key)

    watch = c.volume_watch_from_env(vol, [cert_name, key_name])  # before the first read
    try:
        snap, ctx, sha = load_pair(vol, cert_name, key_name)
    except (OSError, ssl.SSLError, ValueError) as exc:
        c.emit_error("load", exc, dir=vol)
        c.emit("EXIT", code=1, reason="no_initial_certificate")
        return 1
    CUR.ctx, CUR.digest, CUR.cert_sha = ctx, snap.digest, sha
    CUR.version = snap.version(cert_name)
    c.emit("START", version=CUR.version, app=c.APP, pid=os.getpid(), cert_sha256=sha)

    server = Server((os.environ.get("HOST", "0.0.0.0"), c.env_int("PORT", 8443)), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    c.emit("LISTEN", port=server.server_address[1])

    def check(via: str) -> None:
        try:
            snap = c.read_snapshot(vol, [cert_name, key_name])
        except OSError as exc:
            c.emit_error("read", exc, dir=vol)
            return
        if snap.missing or snap.digest == CUR.digest:
            return  # nothing new (missing files: keep serving the last good pair)
        try:
            snap, ctx, sha = load_pair(vol, cert_name, key_name)
        except (OSError, ssl.SSLError, ValueError) as exc:
            CUR.digest = snap.digest  # report a bad pair once, keep the old context
            c.emit_error("load", exc, dir=vol, keep=CUR.cert_sha)
            return
        with CUR.lock:
            CUR.ctx, CUR.digest, CUR.cert_sha = ctx, snap.digest, sha
            CUR.version = snap.version(cert_name)
            CUR.n += 1
            c.emit("RELOAD", n=CUR.n, version=CUR.version, cert_sha256=sha, via=via)

    watch.run(check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
