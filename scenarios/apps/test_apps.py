"""Behaviour tests for the kubedrill sample apps (stdlib unittest, no cargo, no cluster).

Run from the repository root:

    python3 -m unittest scenarios/apps/test_apps.py -v

Each test builds a temporary volume directory exactly the way kubelet's AtomicWriter does
(kubelet-behaviour.md section 1: a ``..YYYY_MM_DD_HH_MM_SS.<digits>`` directory, relative symlinks
``key -> ..data/key``, ``..data_tmp`` + ``rename(..data_tmp, ..data)``, then removal of the old
directory), starts one sample app on it as a subprocess, performs successive updates about 0.5 s
apart and checks what the app printed (convention in ``_common.py``). Every app must also exit 0
on SIGTERM. The TLS tests need the ``openssl`` CLI, the dirwatch.sh test ``inotifywait``; they
are skipped with a reason when those are missing.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _common  # noqa: E402

GAP = 0.5  # seconds between successive updates
VERSIONS = ["v2", "v3", "v4"]


# --------------------------------------------------------------------------------------------
# A faithful, small AtomicWriter (pkg/volume/util/atomic_writer.go)
# --------------------------------------------------------------------------------------------

class AtomicWriter:
    """Writes payloads into ``target`` the way kubelet does (section 1.5 of the spec)."""

    DATA, DATA_TMP = "..data", "..data_tmp"

    def __init__(self, target: str):
        self.target = target

    @staticmethod
    def _clean(path: str) -> str:
        if not path or os.path.isabs(path) or len(path) > 4096:
            raise ValueError(f"invalid path {path!r}")
        parts = path.split("/")
        if any(p == ".." or len(p) > 255 for p in parts) or (parts[0].startswith("..") and len(parts[0]) > 2):
            raise ValueError(f"invalid path {path!r}")
        return os.path.normpath(path)

    def _old_dir(self) -> str | None:
        try:
            return os.readlink(os.path.join(self.target, self.DATA))
        except OSError:
            return None

    def write(self, payload: dict[str, bytes], mode: int = 0o644) -> bool:
        """Returns True when a new directory was swapped in, False for a no-op."""
        payload = {self._clean(p): d for p, d in payload.items()}  # 1
        old = self._old_dir()  # 2
        old_abs = os.path.join(self.target, old) if old else None
        present = set()
        for p in payload:
            parts = p.split("/")
            for i in range(1, len(parts) + 1):
                present.add("/".join(parts[:i]))
        to_remove = set()
        if old_abs and os.path.isdir(old_abs):  # 3
            for root, dirs, files in os.walk(old_abs):
                for n in dirs + files:
                    rel = os.path.relpath(os.path.join(root, n), old_abs)
                    if rel not in present:
                        to_remove.add(rel)
        need = False  # 4
        for p, data in payload.items():
            try:
                with open(os.path.join(old_abs, p), "rb") as f:
                    if f.read() != data:
                        need = True
            except (OSError, TypeError):
                need = True
        if need or to_remove:
            ts = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())  # 5
            while True:
                name = ts + str(random.randrange(1 << 32))
                try:
                    os.mkdir(os.path.join(self.target, name))
                    break
                except FileExistsError:
                    continue
            new_abs = os.path.join(self.target, name)
            os.chmod(new_abs, 0o755)
            for p, data in payload.items():  # 6
                fp = os.path.join(new_abs, p)
                os.makedirs(os.path.dirname(fp), exist_ok=True)
                with open(fp, "wb") as f:
                    f.write(data)
                os.chmod(fp, mode)
            tmp = os.path.join(self.target, self.DATA_TMP)  # 8
            os.symlink(name, tmp)
            os.rename(tmp, os.path.join(self.target, self.DATA))  # 9: the atomic switch
        for top in sorted({p.split("/", 1)[0] for p in payload}):  # 10
            link = os.path.join(self.target, top)
            if not os.path.lexists(link):
                os.symlink(os.path.join(self.DATA, top), link)
        for p in sorted(to_remove):  # 11: top-level only
            if "/" not in p:
                link = os.path.join(self.target, p)
                if os.path.lexists(link):
                    os.remove(link)
        if (need or to_remove) and old_abs:  # 12
            shutil.rmtree(old_abs, ignore_errors=True)
        return need or bool(to_remove)


def app_conf(version: str) -> bytes:
    """The seed's app.conf, with a version line (a comment, so configparser ignores it)."""
    return (f"# version={version}\n[database]\nhost=db-{version}\nport=5432\nname=appdb\n").encode()


def config_payload(version: str) -> dict[str, bytes]:
    """python-app-config from the seed: app.conf plus a few literal keys."""
    return {"app.conf": app_conf(version), "LOG_LEVEL": b"INFO", "DEBUG": b"false"}


# --------------------------------------------------------------------------------------------
# Running an app
# --------------------------------------------------------------------------------------------

class App:
    def __init__(self, argv: list[str], env: dict[str, str] | None = None):
        full_env = dict(os.environ)
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"
        full_env.pop("APP_DEBUG", None)
        full_env.update(env or {})
        self.argv = argv
        self.lines: list[str] = []
        self.err: list[str] = []
        self.cv = threading.Condition()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, env=full_env, text=True,
                                  start_new_session=True)  # own process group: see kill_group
        self._t = [threading.Thread(target=self._pump, args=(self.p.stdout, self.lines), daemon=True),
                   threading.Thread(target=self._pump, args=(self.p.stderr, self.err), daemon=True)]
        for t in self._t:
            t.start()

    def _pump(self, stream, sink):
        for line in stream:
            with self.cv:
                sink.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_for(self, pattern: str, timeout: float = 3.0, count: int = 1):
        """Wait until ``count`` stdout lines match ``pattern`` (re.search); return the last match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                hits = [m for m in (rx.search(line) for line in self.lines) if m]
                if len(hits) >= count:
                    return hits[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(min(left, 0.05))

    def matching(self, pattern: str) -> list[re.Match]:
        rx = re.compile(pattern)
        with self.cv:
            return [m for m in (rx.search(line) for line in self.lines) if m]

    def reload_versions(self) -> list[str]:
        return [m.group(1) for m in self.matching(r"^RELOAD n=\d+ version=(\S+)")]

    def output(self) -> str:
        with self.cv:
            return ("argv: " + " ".join(self.argv) + "\nstdout:\n  " + "\n  ".join(self.lines)
                    + "\nstderr:\n  " + "\n  ".join(self.err[-30:]))

    def alive(self) -> bool:
        return self.p.poll() is None

    def stop(self) -> int:
        """SIGTERM, wait; returns the exit status (-999 if it had to be killed)."""
        rc = None
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                rc = -999
        self.kill_group()
        for t in self._t:
            t.join(2)
        for stream in (self.p.stdout, self.p.stderr):
            stream.close()
        return self.p.returncode if rc is None else rc

    def kill_group(self) -> None:
        """Kill what is left of the app's own process group (e.g. a shell app's watcher)."""
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.p.wait()


def have(cmd: str) -> bool:
    return shutil.which(cmd) is not None


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------

class VolumeTest(unittest.TestCase):
    """One temporary volume per test, one or more apps on it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kubedrill-apps-")
        self.vol = os.path.join(self.tmp, "config")
        os.mkdir(self.vol)
        self.writer = AtomicWriter(self.vol)
        self.apps: list[App] = []

    def tearDown(self):
        for app in self.apps:
            if not app.p.stdout.closed:
                app.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # helpers
    def start(self, script: str, *args: str, env: dict[str, str] | None = None,
              started: str = r"^START ") -> App:
        path = os.path.join(HERE, script)
        argv = ([sys.executable, path] if script.endswith(".py") else ["sh", path]) + list(args)
        app = App(argv, env)
        self.apps.append(app)
        self.assertIsNotNone(app.wait_for(started, timeout=10), "app did not start\n" + app.output())
        return app

    def start_config_app(self, script: str, env=None, *extra: str) -> App:
        self.writer.write(config_payload("v1"))
        app = self.start(script, "--dir", self.vol, "--file", "app.conf", *extra, env=env)
        self.assertIsNotNone(app.wait_for(r"^START version=v1 "), app.output())
        return app

    def three_updates(self, app: App | None = None, expect_reload: bool = False):
        """Three successive updates v2, v3, v4, GAP apart; with expect_reload, wait for each."""
        for v in VERSIONS:
            t0 = time.monotonic()
            self.assertTrue(self.writer.write(config_payload(v)))
            if expect_reload:
                self.assertIsNotNone(app.wait_for(rf"^RELOAD n=\d+ version={v}\b", timeout=4),
                                     f"no reload for {v}\n" + app.output())
            time.sleep(max(0.0, GAP - (time.monotonic() - t0)))

    def assert_clean_exit(self, app: App):
        rc = app.stop()
        self.assertEqual(rc, 0, "SIGTERM must exit 0\n" + app.output())
        self.assertTrue(app.matching(r"^EXIT code=0 reason=SIG(TERM|INT)"), app.output())


class TestAtomicWriter(VolumeTest):
    """The test's own writer must look like kubelet's, or the app tests prove nothing."""

    def test_layout_and_swap(self):
        self.assertTrue(self.writer.write(config_payload("v1")))
        first = os.readlink(os.path.join(self.vol, "..data"))
        self.assertRegex(first, r"^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{1,10}$")
        self.assertEqual(os.readlink(os.path.join(self.vol, "app.conf")), "..data/app.conf")
        self.assertEqual(os.stat(os.path.join(self.vol, first)).st_mode & 0o777, 0o755)
        link_mtime = os.lstat(os.path.join(self.vol, "app.conf")).st_mtime_ns
        self.assertFalse(self.writer.write(config_payload("v1")), "no-op must not swap")
        self.assertEqual(os.readlink(os.path.join(self.vol, "..data")), first)
        self.assertTrue(self.writer.write(config_payload("v2")))
        second = os.readlink(os.path.join(self.vol, "..data"))
        self.assertNotEqual(first, second)
        self.assertFalse(os.path.exists(os.path.join(self.vol, first)), "old dir removed")
        self.assertFalse(os.path.lexists(os.path.join(self.vol, "..data_tmp")))
        self.assertEqual(os.lstat(os.path.join(self.vol, "app.conf")).st_mtime_ns, link_mtime,
                         "user-visible links are never rewritten")
        with open(os.path.join(self.vol, "app.conf"), "rb") as f:
            self.assertEqual(f.read(), app_conf("v2"))
        self.writer.write({"LOG_LEVEL": b"INFO"})
        self.assertFalse(os.path.lexists(os.path.join(self.vol, "app.conf")), "removed key -> link gone")
        self.assertEqual(sorted(os.listdir(self.vol))[-1], "LOG_LEVEL")


class TestGoodApps(VolumeTest):

    def test_good_dirwatch_three_updates_one_reload_each(self):
        app = self.start_config_app("good_dirwatch.py")
        self.three_updates(app, expect_reload=True)
        time.sleep(0.5)
        self.assertEqual(app.reload_versions(), VERSIONS, "exactly one RELOAD per update\n" + app.output())
        # key removed: stays alive, keeps last-good, reloads when the key comes back
        self.writer.write({"LOG_LEVEL": b"INFO"})
        self.assertIsNotNone(app.wait_for(r"^WARN missing=app.conf keep=v4"), app.output())
        self.assertTrue(app.alive(), app.output())
        self.writer.write(config_payload("v5"))
        self.assertIsNotNone(app.wait_for(r"^RELOAD n=4 version=v5 via=inotify"), app.output())
        self.assert_clean_exit(app)

    def test_good_dirwatch_survives_stop_and_resyncs_without_events(self):
        """P16: events queued while stopped are coalesced; a change that produced no event in
        the volume directory (simulated lost event) is picked up by the periodic resync."""
        app = self.start_config_app("good_dirwatch.py", {"RESYNC_MS": "300"})
        os.kill(app.p.pid, signal.SIGSTOP)
        try:
            self.writer.write(config_payload("v2"))
            self.writer.write(config_payload("v3"))
        finally:
            os.kill(app.p.pid, signal.SIGCONT)
        self.assertIsNotNone(app.wait_for(r"^RELOAD n=1 version=v3 "), app.output())
        # write inside the current ..<ts> dir: no event reaches the watch on the volume dir
        with open(os.path.join(self.vol, "app.conf"), "wb") as f:
            f.write(app_conf("v9"))
        self.assertIsNotNone(app.wait_for(r"^RELOAD n=2 version=v9 via=resync", timeout=3), app.output())
        time.sleep(0.4)
        self.assertEqual(app.reload_versions(), ["v3", "v9"], app.output())
        self.assert_clean_exit(app)

    def test_good_dirwatch_validate_keeps_last_good(self):
        """P12: invalid content is reported and not applied; the next valid update is."""
        app = self.start_config_app("good_dirwatch.py", None, "--validate", "ini")
        self.writer.write({"app.conf": b"version=v2 but no [section]\n", "LOG_LEVEL": b"INFO"})
        self.assertIsNotNone(app.wait_for(r"^ERROR op=validate file=app.conf .* keep=v1$"), app.output())
        self.writer.write(config_payload("v3"))
        self.assertIsNotNone(app.wait_for(r"^RELOAD n=1 version=v3 "), app.output())
        self.assertEqual(app.reload_versions(), ["v3"], app.output())
        self.assert_clean_exit(app)

    def test_good_poll_three_updates(self):
        app = self.start_config_app("good_poll.py", {"POLL_MS": "100"})
        self.three_updates(app, expect_reload=True)
        time.sleep(0.3)
        self.assertEqual(app.reload_versions(), VERSIONS, app.output())
        self.assert_clean_exit(app)

    def test_env_echo_env_frozen_file_follows(self):
        self.writer.write({"LOG_LEVEL": b"INFO", "app.conf": app_conf("v1")})
        app = self.start("env_echo.py", "--dir", self.vol, "--file", "LOG_LEVEL", "LOG_LEVEL",
                         env={"ECHO_MS": "100", "LOG_LEVEL": "INFO"})
        for level in ("DEBUG", "WARN", "ERROR"):
            self.writer.write({"LOG_LEVEL": level.encode(), "app.conf": app_conf("v1")})
            self.assertIsNotNone(app.wait_for(rf"^FILE value={level} "), app.output())
        envs = {m.group(0) for m in app.matching(r"^ENV .*")}
        self.assertEqual(envs, {"ENV LOG_LEVEL=INFO"}, app.output())
        self.assert_clean_exit(app)


class TestBuggyApps(VolumeTest):

    def test_bug_filewatch_reloads_at_most_once(self):
        """P1: the watch on the file dies with the first old directory."""
        app = self.start_config_app("bug_filewatch.py")
        self.three_updates()
        time.sleep(0.3)
        got = app.reload_versions()
        self.assertLess(len(got), 3, app.output())
        self.assertLessEqual(len(got), 1, app.output())
        self.assertNotIn("v4", got, app.output())
        self.assertTrue(app.alive(), app.output())
        self.assert_clean_exit(app)

    def _assert_never_reloads(self, script: str, env=None) -> App:
        app = self.start_config_app(script, env)
        self.three_updates()
        time.sleep(0.3)
        self.assertEqual(app.reload_versions(), [], app.output())
        self.assertTrue(app.alive(), "must stay alive (the bug is silence, not a crash)\n" + app.output())
        return app

    def test_bug_modify_filter_never_reloads(self):
        """P2: no MODIFY/CLOSE_WRITE ever names app.conf."""
        app = self._assert_never_reloads("bug_modify_filter.py")
        self.assert_clean_exit(app)

    def test_bug_lstat_poll_never_reloads(self):
        """P8: the link's own mtime never changes."""
        app = self._assert_never_reloads("bug_lstat_poll.py", {"POLL_MS": "100"})
        self.assert_clean_exit(app)

    def test_bug_fd_cache_never_reloads_and_holds_deleted_file(self):
        """P9: the kept fd points at the deleted old inode."""
        app = self._assert_never_reloads("bug_fd_cache.py", {"POLL_MS": "100"})
        fd = app.wait_for(r"^START .* fd=(\d+)").group(1)
        target = os.readlink(f"/proc/{app.p.pid}/fd/{fd}")
        self.assertRegex(target, r"/\.\.\d{4}_\d\d_\d\d_[^/]+/app\.conf \(deleted\)$", app.output())
        self.assert_clean_exit(app)

    def test_bug_import_time_never_reloads(self):
        """P14: configparser.read at import, served forever."""
        app = self._assert_never_reloads("bug_import_time.py", {"PORT": "0", "HOST": "127.0.0.1"})
        self.assertTrue(app.matching(r"^\[database\] host=db-v1 "), app.output())
        port = app.wait_for(r"^LISTEN port=(\d+)").group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            self.assertEqual(r.read().decode().strip(), "db-v1")
        self.assert_clean_exit(app)

    def test_bug_die_on_remove_exits_nonzero(self):
        """P13: watches correctly, dies when the key is removed."""
        app = self.start_config_app("bug_die_on_remove.py")
        self.three_updates(app, expect_reload=True)
        self.assertEqual(app.reload_versions(), VERSIONS, app.output())
        self.writer.write({"LOG_LEVEL": b"INFO"})  # key app.conf removed from the ConfigMap
        try:
            rc = app.p.wait(4)
        except subprocess.TimeoutExpired:
            self.fail("did not exit after the key was removed\n" + app.output())
        self.assertNotEqual(rc, 0, app.output())
        self.assertTrue(app.matching(r"^ERROR op=read file=app.conf err=ENOENT"), app.output())

    def test_bug_storm_many_reloads_for_one_update(self):
        """P11: one update, several RELOADs; then the count stays flat."""
        app = self.start_config_app("bug_storm.py")
        self.writer.write(config_payload("v2"))
        self.assertIsNotNone(app.wait_for(r"^RELOAD ", count=2, timeout=3), app.output())
        time.sleep(0.5)
        n = len(app.matching(r"^RELOAD "))
        self.assertGreater(n, 1, app.output())
        time.sleep(0.5)
        self.assertEqual(len(app.matching(r"^RELOAD ")), n, "count must stay flat when quiet\n" + app.output())
        self.assert_clean_exit(app)


@unittest.skipUnless(have("openssl"), "openssl CLI not installed: cannot generate test certificates")
class TestTLS(VolumeTest):
    pairs: list[tuple[bytes, bytes, str]] = []  # (cert pem, key pem, leaf sha256)

    @classmethod
    def setUpClass(cls):
        d = tempfile.mkdtemp(prefix="kubedrill-certs-")
        try:
            for i in range(4):
                c, k = os.path.join(d, f"c{i}"), os.path.join(d, f"k{i}")
                subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                "-subj", f"/CN=rotation-{i}", "-keyout", k, "-out", c],
                               check=True, capture_output=True, timeout=30)
                with open(c, "rb") as f:
                    cert = f.read()
                with open(k, "rb") as f:
                    key = f.read()
                der = ssl.PEM_cert_to_DER_cert(cert.decode())
                cls.pairs.append((cert, key, hashlib.sha256(der).hexdigest()))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def write_pair(self, i: int):
        cert, key, _ = self.pairs[i]
        self.assertTrue(self.writer.write({"cert.pem": cert, "key.pem": key}))

    def fetch(self, port: str) -> tuple[str, str]:
        """A NEW TLS connection: (sha256 of the presented leaf, body of GET /)."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as raw:
            with ctx.wrap_socket(raw) as s:
                der = s.getpeercert(binary_form=True)
                s.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                data = b""
                while chunk := s.recv(4096):
                    data += chunk
        return hashlib.sha256(der).hexdigest(), data.split(b"\r\n\r\n", 1)[1].decode().strip()

    def start_tls(self, script: str, env=None) -> App:
        return self.start(script, "--cert", os.path.join(self.vol, "cert.pem"),
                          "--key", os.path.join(self.vol, "key.pem"), env=env)

    def test_good_tls_serves_new_cert_after_each_rotation(self):
        self.write_pair(0)
        app = self.start_tls("good_tls.py", {"PORT": "0", "HOST": "127.0.0.1"})
        port = app.wait_for(r"^LISTEN port=(\d+)").group(1)
        self.assertEqual(self.fetch(port), (self.pairs[0][2], _common.content_version(self.pairs[0][0])))
        for i in (1, 2, 3):
            t0 = time.monotonic()
            self.write_pair(i)
            sha = self.pairs[i][2]
            self.assertIsNotNone(app.wait_for(rf"^RELOAD n={i} version=\S+ cert_sha256={sha} "), app.output())
            self.assertEqual(self.fetch(port), (sha, _common.content_version(self.pairs[i][0])),
                             app.output())
            time.sleep(max(0.0, GAP - (time.monotonic() - t0)))
        self.assertEqual(len(app.matching(r"^RELOAD ")), 3, app.output())
        self.assertEqual(app.matching(r"^ERROR "), [], app.output())
        self.assert_clean_exit(app)

    def test_torn_pair_bug_vs_good_tls_under_rapid_rotation(self):
        """P10: bug_torn_tls sees a mismatched pair; good_tls on the same volume never does."""
        self.write_pair(0)
        good = self.start_tls("good_tls.py", {"PORT": "0", "HOST": "127.0.0.1"})
        torn = self.start_tls("bug_torn_tls.py", {"TORN_SLEEP_MS": "50"})
        port = good.wait_for(r"^LISTEN port=(\d+)").group(1)
        seq = [1, 2, 3, 0, 1, 2]
        for a, b in zip(seq[::2], seq[1::2]):
            self.write_pair(a)
            time.sleep(0.02)  # second swap lands while bug_torn_tls sleeps between its reads
            self.write_pair(b)
            time.sleep(0.3)
        self.assertIsNotNone(torn.wait_for(r"^MISMATCH ", timeout=2), torn.output())
        final = self.pairs[seq[-1]][2]
        self.assertIsNotNone(good.wait_for(rf"^RELOAD .*cert_sha256={final} ", timeout=3), good.output())
        self.assertEqual(self.fetch(port)[0], final, good.output())
        self.assertEqual(good.matching(r"^(ERROR|MISMATCH) "), [], good.output())
        self.assert_clean_exit(good)
        self.assert_clean_exit(torn)


INOTIFYD_SHIM = '''#!{python}
"""Test stand-in for busybox `inotifyd - DIR:MASK`: same event letters, same stdout format."""
import os, sys
sys.path.insert(0, {here!r})
import _inotify as ino
LETTERS = "acew0rmyndDM\\0uox"
prog, spec = sys.argv[1], sys.argv[2]
path, _, masks = spec.partition(":")
mask = 0x0fff if not masks else sum(1 << LETTERS.index(ch) for ch in masks if ch in LETTERS)
i = ino.Inotify()
i.add_watch(path, mask)
while True:
    for ev in i.read():
        m = ev.mask & ((1 << len(LETTERS)) - 1)
        events = "".join(ch for b, ch in enumerate(LETTERS) if m >> b & 1 and ch != "\\0")
        if events:
            print("%s\\t%s\\t%s" % (events, path, ev.name) if ev.name else "%s\\t%s" % (events, path), flush=True)
'''


class TestShellApps(VolumeTest):

    def test_stat_poll_sh_three_updates(self):
        app = self.start_config_app("stat_poll.sh", {"POLL_S": "0.1"})
        self.three_updates(app, expect_reload=True)
        time.sleep(0.3)
        self.assertEqual(app.reload_versions(), VERSIONS, app.output())
        self.assert_clean_exit(app)

    def _dirwatch(self, env):
        app = self.start_config_app("dirwatch.sh", env)
        self.three_updates(app, expect_reload=True)
        time.sleep(0.3)
        self.assertEqual(app.reload_versions(), VERSIONS, "one RELOAD per update\n" + app.output())
        self.assert_clean_exit(app)
        return app

    @unittest.skipUnless(have("inotifywait"), "inotifywait (inotify-tools) not installed")
    def test_dirwatch_sh_inotifywait(self):
        app = self._dirwatch({"WATCHER": "inotifywait", "RESYNC_S": "5"})
        self.assertTrue(app.matching(r"^START .* watcher=inotifywait"), app.output())

    def test_dirwatch_sh_inotifyd(self):
        """busybox inotifyd's output format, through a stand-in when busybox lacks the applet."""
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        shim = os.path.join(bindir, "inotifyd")
        with open(shim, "w") as f:
            f.write(INOTIFYD_SHIM.format(python=sys.executable, here=HERE))
        os.chmod(shim, 0o755)
        app = self._dirwatch({"PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
                              "RESYNC_S": "5"})
        self.assertTrue(app.matching(r"^START .* watcher=inotifyd"), app.output())


if __name__ == "__main__":
    unittest.main()
