#!/usr/bin/env python3
"""env_echo: contrasts environment variables (frozen, P14) with a mounted file (updated).

Prints the given environment variables at start and every ECHO_MS, together with the current
content of ``--file`` read through the volume. Env vars from ``envFrom``/``valueFrom`` are
computed once per container start (kubelet-behaviour.md 6.7): after a ConfigMap update the
``ENV`` lines stay the same while the ``FILE`` line follows the volume.

Usage: env_echo.py [--dir /etc/config] [--file LOG_LEVEL] NAME [NAME ...]
Env:   ECHO_MS (1000), CONFIG_DIR.

Output (convention in _common.py):
    START version=<version of --file, or -> app=env_echo pid=<pid> names=<N1,N2>
    ENV <NAME>=<value>          (``<unset>`` when the variable is not set), one per name per tick
    FILE value=<content> version=<v>   content stripped, JSON-quoted if it has spaces/newlines;
                                       ``<missing>`` when absent; only with --file

What a test should observe: after updates, FILE value= changes and ENV NAME= never does.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def main() -> int:
    p = c.base_parser(__doc__)
    p.add_argument("names", nargs="*", help="environment variable names to echo")
    args = p.parse_args()
    path = os.path.join(args.dir, args.file[0]) if args.file else None
    tick = c.env_int("ECHO_MS", 1000) / 1000
    c.install_signal_handlers()

    def read():
        if path is None:
            return None
        try:
            return c.read_bytes(path)
        except OSError:
            return None

    c.emit("START", version=c.content_version(read()), app=c.APP, pid=os.getpid(),
           names=",".join(args.names) or "-")
    while True:
        for name in args.names:
            print(f"ENV {name}={c._fmt(os.environ.get(name, '<unset>'))}", flush=True)
        if path is not None:
            data = read()
            value = "<missing>" if data is None else data.decode("utf-8", "replace").strip()
            c.emit("FILE", value=value, version=c.content_version(data))
        time.sleep(tick)


if __name__ == "__main__":
    sys.exit(main())
