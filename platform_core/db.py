"""Database expressions shared by several apps (and by their migrations)."""

from __future__ import annotations

from django.db import models
from django.db.models import Func


class TsTzRange(Func):
    """PostgreSQL's tstzrange(start, end): half-open [start, end)."""

    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the constraint
