"""Every log line carries the schema (municipality) it was written in."""

from __future__ import annotations

import logging


class TenantContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "schema_name"):
            try:
                from django.db import connection

                record.schema_name = getattr(connection, "schema_name", "-") or "-"
            except Exception:
                record.schema_name = "-"
        return True
