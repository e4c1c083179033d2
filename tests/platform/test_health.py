"""/healthz and /readyz: answered before host routing, and readiness names a worker (or beat)
that stopped showing life. (A real database outage: tests/platform/test_recovery.py.)"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from health.models import ProcessHeartbeat
from health.services import heartbeat_record


def _fresh(*roles: str) -> None:
    ProcessHeartbeat.objects.all().delete()
    for role in roles:
        heartbeat_record(role=role)


def test_probes_do_not_look_the_host_up(tenant_a, public_client):
    """The host lookup needs the database; a probe must not depend on it."""
    _fresh("worker", "beat")
    with CaptureQueriesContext(connection) as queries:
        assert tenant_a.client().get("/healthz").status_code == 200
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert tenant_a.client().get("/readyz").status_code == 200
    assert not [q for q in queries if "tenants_domain" in q["sql"]]
    # so they answer on any host, also one no municipality has
    assert public_client.get("/healthz", HTTP_HOST="nobody.example.org").status_code == 200


def test_readyz_names_a_worker_that_stopped_consuming(tenant_a):
    _fresh("worker", "beat")
    ProcessHeartbeat.objects.filter(role="worker").update(seen_at=Now() - timedelta(minutes=5))
    response = tenant_a.client().get("/readyz")
    assert response.status_code == 503
    failed = response.json()["failed"]
    assert set(failed) == {"worker"}
    assert failed["worker"].startswith("no heartbeat for 30")  # 300 s and a little


def test_readyz_names_worker_and_beat_before_either_showed_life(public_client):
    _fresh()
    response = public_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == {"worker": "no heartbeat yet", "beat": "no heartbeat yet"}


def test_readyz_reports_every_check_when_ready(public_client):
    _fresh("worker", "beat")
    response = public_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": "ok",
        "beat": "ok",
    }


def test_the_worker_heartbeat_task_writes_the_worker_heartbeat(public_client):
    from health.tasks import worker_heartbeat

    _fresh("beat")
    assert public_client.get("/readyz").json()["failed"] == {"worker": "no heartbeat yet"}
    worker_heartbeat.apply()
    assert public_client.get("/readyz").status_code == 200
