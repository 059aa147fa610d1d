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
import time


def main() -> int:
    def on_signal(number, _frame):
        print(f"SIGNAL name={signal.Signals(number).name}", flush=True)

    for sig in signal.Signals:
        if sig in (signal.SIGKILL, signal.SIGSTOP) or sig.name.startswith("SIGRT"):
            continue
        signal.signal(sig, on_signal)
    print(f"START app=signal_logger pid={os.getpid()}", flush=True)
    # Not signal.pause(): a signal that lands between Python's last check and the pause()
    # system call would wait for the next one. A short sleep bounds that delay.
    while True:
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
