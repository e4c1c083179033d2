from __future__ import annotations

import os
import socket

from django.db.models.functions import Now

from health.models import ProcessHeartbeat


def heartbeat_record(*, role: str) -> None:
    """Mark `role` as alive now. The database's clock, not this host's: readiness compares
    against the same clock wherever web, worker and beat run."""
    ProcessHeartbeat.objects.update_or_create(
        role=role,
        defaults={"seen_at": Now(), "hostname": socket.gethostname()[:255], "pid": os.getpid()},
    )
