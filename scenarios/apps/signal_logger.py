#!/usr/bin/env python3
"""signal_logger: prints every signal it receives (kubedrill's signal delivery test).

It installs a handler for every signal Python can catch (all standard ones but KILL and STOP,
TERM and INT included) that prints ``SIGNAL name=<Python's name>``, e.g. ``SIGNAL
name=SIGWINCH``, and keeps running. It starts no process, so no SIGCHLD comes from elsewhere.

Usage: signal_logger.py

Output (convention in README.md):
    START app=signal_logger pid=<pid>           once the handlers are installed
    SIGNAL name=<SIGNAME>                       one per signal received

What a test should observe: one SIGNAL line per signal sent; after KILL the process is gone.
"""

import os
import signal
import sys


def main() -> int:
    def on_signal(number, _frame):
        print(f"SIGNAL name={signal.Signals(number).name}", flush=True)

    for sig in signal.Signals:
        if sig in (signal.SIGKILL, signal.SIGSTOP) or sig.name.startswith("SIGRT"):
            continue
        signal.signal(sig, on_signal)
    print(f"START app=signal_logger pid={os.getpid()}", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
