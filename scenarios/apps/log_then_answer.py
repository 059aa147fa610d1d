#!/usr/bin/env python3
"""log_then_answer: an HTTP app that logs each request *before* it answers it (issue 6 §2).

For every request it prints ``ANSWER method=<M> path=<path>`` (flushed) and only then sends
``200`` with the body ``ok <path>``. Whoever has the answer can rely on the line being written
already, so a ``log`` assertion right after an ``http`` one (no ``within``) must find it.
kubedrill once missed such lines 10 times out of 10: its http observation blocked the runtime
that read the logs.

Usage: log_then_answer.py
Env:   PORT (8000), HOST (127.0.0.1).

Output (convention in README.md):
    LISTEN port=<port>
    ANSWER method=<M> path=<path>          one per request, before the answer
    EXIT code=0 reason=SIGTERM

What a test should observe: after any answered request, its ANSWER line.
"""

import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body: bool) -> None:
        print(f"ANSWER method={self.command} path={self.path}", flush=True)
        payload = f"ok {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(False)

    def log_message(self, *args) -> None:
        """Only the ANSWER lines: the request log would be noise here."""


def main() -> int:
    def on_term(*_):
        print("EXIT code=0 reason=SIGTERM", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    host = os.environ.get("HOST", "127.0.0.1")
    server = http.server.HTTPServer((host, int(os.environ.get("PORT", "8000"))), Handler)
    print(f"LISTEN port={server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
