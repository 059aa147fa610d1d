#!/usr/bin/env python3
"""bug_import_time: BUGGY - reads the config once at import time, the seed's own pattern (P14).

The tutorial seed does, at module level::

    config = configparser.ConfigParser()
    config.read("/etc/config/app.conf")
    db_host = config.get("database", "host")

and uses ``db_host`` for the life of the process. The mounted file does change on every update,
but nothing reads it again, so the app serves the first value until it is restarted. (The same
holds for ``os.getenv`` and for ``subPath`` mounts: delivery that never updates.)

Usage: bug_import_time.py [--dir /etc/config] [--file app.conf]
Env:   CONFIG_DIR, CONFIG_FILE, PORT (8000; 0 = any free port; "off" = no HTTP server), HOST.

HTTP: ``GET /`` -> body ``<db_host>\\n`` (the value read at import).

Output (convention in _common.py):
    START version=<v> app=bug_import_time pid=<pid>
    [database] host=<host> port=<port>       once, the seed's print
    LISTEN port=<port>
    (no RELOAD, ever)

What a test should observe: no RELOAD and ``GET /`` answering the first host throughout three
updates; kubedrill's lint should warn that an import-time read cannot reload.
"""

import argparse
import configparser
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

# ---- import time: this is the whole bug -------------------------------------------------------
_p = argparse.ArgumentParser(add_help=False)
_p.add_argument("--dir", default=os.environ.get("CONFIG_DIR", "/etc/config"))
_p.add_argument("--file", default=os.environ.get("CONFIG_FILE", "app.conf"))
_args, _ = _p.parse_known_args()
CONFIG_PATH = os.path.join(_args.dir, _args.file)

config = configparser.ConfigParser()
config.read(CONFIG_PATH)
db_host = config.get("database", "host", fallback="<unset>")
db_port = config.get("database", "port", fallback="<unset>")
try:
    VERSION = c.content_version(c.read_bytes(CONFIG_PATH))
except OSError:
    VERSION = "-"
# -----------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = (db_host + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def main() -> int:
    c.install_signal_handlers()
    c.emit("START", version=VERSION, app=c.APP, pid=os.getpid())
    print(f"[database] host={db_host} port={db_port}", flush=True)
    port = os.environ.get("PORT", "8000")
    if port.lower() != "off":
        server = ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), int(port)), Handler)
        server.daemon_threads = True
        c.emit("LISTEN", port=server.server_address[1])
        import threading
        threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
