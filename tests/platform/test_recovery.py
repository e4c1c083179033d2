"""After a database restart every process recovers by itself (issue 9, point 5): web, Celery
worker and Celery beat run as in `make run`, as real processes, against the test database
through a loopback TCP proxy that the test cuts (every connection dropped, new ones refused,
as during a restart) and restores. Meanwhile /readyz on a municipality's host says 503 naming
the database, not 500 (point 6)."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from health.models import ProcessHeartbeat


class DatabaseProxy:
    """127.0.0.1:<port> → the test database server; `cut()` is a restart as clients see it."""

    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        port = int(db.get("PORT") or db.get("OPTIONS", {}).get("port") or 5432)
        if db.get("HOST"):
            self._upstream = (socket.AF_INET, (db["HOST"], port))
        else:  # the embedded server: a Unix socket in its data directory
            self._upstream = (socket.AF_UNIX, f"{db['OPTIONS']['host']}/.s.PGSQL.{port}")
        self._pairs: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = 0
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone won't)
        listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for sock in pairs:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            family, address = self._upstream
            upstream = socket.socket(family)
            upstream.connect(address)
            with self._lock:
                self._pairs += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_RDWR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, host: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def _wait_for(what: str, condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if result := condition():
                return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def platform(tmp_path: Path, tenant_a):
    """Web, worker and beat of `make run` (the same commands and scheduler), on the proxy."""
    from platform_core.launcher import ROOT

    proxy = DatabaseProxy()
    db = settings.DATABASES["default"]
    for folder in ("queue", "processed", "control"):
        (tmp_path / "celery" / folder).mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{quote(db['USER'])}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery"),
        "HEARTBEAT_SECONDS": "0.5",
        "HEARTBEAT_STALE_SECONDS": "5",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_WRITE_URL", None)
    port = _free_port()
    celery = [sys.executable, "-m", "celery", "-A", "platform_core"]
    commands = {
        "web": [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        "worker": [*celery, "worker", "--pool", "threads", "--concurrency", "2"],
        "beat": [
            *celery,
            "beat",
            "--scheduler",
            "platform_core.beat:TenantBeatScheduler",
            "--schedule",
            str(tmp_path / "celery" / "beat-schedule"),
        ],
    }
    logs = {name: (tmp_path / f"{name}.log").open("w+") for name in commands}
    procs = {
        name: subprocess.Popen(argv, env=env, cwd=ROOT, stdout=logs[name], stderr=subprocess.STDOUT)
        for name, argv in commands.items()
    }

    def log_of(name: str) -> str:
        logs[name].flush()
        return (tmp_path / f"{name}.log").read_text()

    try:
        yield proxy, procs, port, log_of
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proxy.cut()
        for log in logs.values():
            log.close()


def _heartbeats() -> dict[str, object]:
    return dict(ProcessHeartbeat.objects.values_list("role", "seen_at"))


def test_web_worker_and_beat_recover_from_a_database_restart_by_themselves(platform, tenant_a):
    proxy, procs, port, log_of = platform
    host = tenant_a.host

    def ready() -> bool:
        return _get(port, "/readyz", host)[0] == 200

    _wait_for("the platform to be ready", ready, timeout=90)
    assert _get(port, "/api/offices/", host)[0] == 200

    proxy.cut()  # the database restarts: every connection drops, new ones are refused
    status, body = _wait_for("/readyz during the outage", lambda: _get(port, "/readyz", host))
    assert status == 503, body
    assert '"database"' in body and "worker" not in body, body
    assert _get(port, "/healthz", host)[0] == 200
    time.sleep(3)  # several beat ticks and heartbeat tasks fail meanwhile
    before = _heartbeats()
    proxy.restore()

    _wait_for("/readyz after the restart", ready, timeout=30)
    assert _get(port, "/api/offices/", host)[0] == 200

    def newer_heartbeats() -> bool:
        for name, proc in procs.items():
            assert proc.poll() is None, f"{name} exited:\n{log_of(name)[-3000:]}"
        now = _heartbeats()
        return all(now[role] > before[role] for role in ("worker", "beat"))

    _wait_for("worker and beat heartbeats after the restart", newer_heartbeats, timeout=30)
    assert "The database does not answer" in log_of("beat")
    assert "The database answers again" in log_of("beat")
