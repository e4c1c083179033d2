"""A child process gets the database the way settings read it, for any socket directory:
`make test` on a fresh clone runs the embedded PostgreSQL on a Unix socket inside the clone,
whose path may hold dots, hyphens, spaces and worse."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import environ
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from platform_core.database import (
    database_url_with_name,
    default_database_url,
    embedded_pgdata,
    socket_database_url,
)

ODD_DIRS = ["vbb.clone-test", "Mein Bürgerbüro 2", "a+b&c=d#e%20f?g"]


@pytest.mark.parametrize("name", ODD_DIRS)
def test_the_embedded_url_names_its_socket_directory_exactly(name):
    data_dir = Path("/home/someone") / name / ".data"
    config = environ.Env.db_url_config(default_database_url(data_dir))
    assert config["OPTIONS"]["host"] == str(embedded_pgdata(data_dir))
    assert config["NAME"] == "vbb" and config["HOST"] == ""
    moved = environ.Env.db_url_config(database_url_with_name(default_database_url(data_dir), "x"))
    assert moved["OPTIONS"] == config["OPTIONS"] and moved["NAME"] == "x"


def test_a_tcp_url_keeps_host_port_and_options_with_another_name():
    url = "postgres://u:p%40ss@db.example.org:6543/vbb?sslmode=require"
    moved = environ.Env.db_url_config(database_url_with_name(url, "test_vbb_gw0"))
    assert (moved["HOST"], moved["PORT"], moved["USER"], moved["PASSWORD"]) == (
        "db.example.org",
        6543,
        "u",
        "p@ss",
    )
    assert moved["NAME"] == "test_vbb_gw0" and moved["OPTIONS"] == {"sslmode": "require"}


@pytest.fixture
def odd_socket_dir(db) -> str:
    """A directory with an awkward name holding this server's socket (a symlink to it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('unix_socket_directories'), current_setting('port')")
        directories, port = cursor.fetchone()
    socket = next(
        (
            Path(d.strip()) / f".s.PGSQL.{port}"
            for d in directories.split(",")
            if d.strip() and (Path(d.strip()) / f".s.PGSQL.{port}").exists()
        ),
        None,
    )
    assert socket is not None, f"the test server has no Unix socket here ({directories})"
    # Short parent: a socket path may not exceed 107 bytes.
    with tempfile.TemporaryDirectory(prefix="vbb.") as parent:
        odd = Path(parent) / "clone-test dir+x&y#z"
        odd.mkdir()
        (odd / socket.name).symlink_to(socket)
        yield str(odd), int(port)


def test_a_child_process_reaches_this_database_through_an_odd_socket_path(odd_socket_dir):
    """What the launcher and the CLI tests do: hand a child the URL, it connects with
    settings (django-environ → psycopg) and with libpq's own URL parser alike."""
    socket_dir, port = odd_socket_dir
    name = settings.DATABASES["default"]["NAME"]
    url = socket_database_url(socket_dir, name=name, user=settings.DATABASES["default"]["USER"])
    url = url + (f"&port={port}" if port != 5432 else "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), pg_postmaster_start_time()::text")
        here = cursor.fetchone()
    probe = (
        "import django; django.setup(); from django.db import connection as c\n"
        "k = c.cursor(); k.execute('SELECT current_database(), pg_postmaster_start_time()::text')\n"
        "print('|'.join(k.fetchone()))"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "platform_core.settings"}
    child = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().split("|") == list(here)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == name
