#!/usr/bin/env python3
"""bug_tls_once: BUGGY - the seed's own TLS pattern: the SSL context is built once (pitfall P15).

The tutorial seed does::

    ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ssl_context.load_cert_chain(certfile="/etc/tls/cert.pem", keyfile="/etc/tls/key.pem")
    app.run(host="0.0.0.0", port=8443, ssl_context=ssl_context)

kubelet does update cert.pem and key.pem when the Secret is rotated, but the context already
holds the old pair: every new connection gets the old certificate until the process restarts.

Usage: bug_tls_once.py [--cert /etc/tls/cert.pem] [--key /etc/tls/key.pem]
Env:   PORT (8443), HOST (127.0.0.1).

Output (convention in _common.py):
    START version=<cert sha256 prefix> app=bug_tls_once pid=<pid>
    LISTEN port=<port>
    (no RELOAD, ever)

What a test should observe: after the Secret rotation, a new TLS connection still gets the old
leaf certificate (kubedrill: `tls: {port}` with `cn`/`sha256`).
"""

import argparse
import hashlib
import http.server
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> int:
    p = argparse.ArgumentParser(description="the seed's build-once TLS server (P15)")
    p.add_argument("--cert", default="/etc/tls/cert.pem")
    p.add_argument("--key", default="/etc/tls/key.pem")
    args = p.parse_args()
    c.install_signal_handlers()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile=args.cert, keyfile=args.key)
    with open(args.cert, "rb") as f:
        version = "sha256:" + hashlib.sha256(f.read()).hexdigest()[:12]
    port = int(os.environ.get("PORT", "8443"))
    server = http.server.HTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Hello)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"START version={version} app=bug_tls_once pid={os.getpid()}", flush=True)
    print(f"LISTEN port={server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
