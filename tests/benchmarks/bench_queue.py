"""Issue 4: 500 citizens watch their position while 5 officials call.

Everything goes through Django's full request stack (the test client: host routing,
middleware, DRF) with committed data in a fresh municipality:

* quiet: the bare JSON view (/healthz) and the status endpoint, one request at a time;
* under load, like a deployment with several worker processes: 2 forked processes poll the
  status of the 500 citizens as their pages do - each citizen every 2 s (250 requests/s in
  all), each with its own ETag (If-None-Match -> 304 while nothing changed) - a third polls
  the bare view, while 5 officials in this process call-next / start / complete, each every
  quarter second (a hundred times faster than real officials, to stress the invalidation).
  The processes have their own local-memory caches, as workers without Redis would.

Recorded: p50/p95 of the status endpoint and of call-next, their ratio to the bare view
measured in the same run, the share of 304s, and tickets handed to two officials (must be 0).
Target: status p95 under 50 ms. Run: `pytest tests/benchmarks/bench_queue.py -p no:xdist -s`.
"""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
from collections import Counter
from datetime import time as clock

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from offices.models import Office, OpeningWindow, StaffMember
from platform_core.authentication import token_issue
from platform_core.models import User
from scheduling.queue.models import Ticket, hash_secret
from tests.benchmarks._util import Stats, measure, record

CITIZENS = 500
OFFICIALS = 5
CALLS_PER_OFFICIAL = 40
OFFICIAL_PAUSE_S = 0.25
WATCHER_PROCESSES = 2
POLL_INTERVAL_S = 2.0  # static/js/queue.js
BARE_INTERVAL_S = 0.05


def test_bench_queue_needs_the_test_database(db):
    """pytest-django sets up the test database only when a selected test asks for `db`."""


def _setup(ctx) -> tuple[list[str], list[str]]:
    """Office, officials (API tokens) and 500 waiting citizens (their secret tokens)."""
    with ctx.schema():
        office = Office.objects.create(
            slug="bench-amt", name="Bench-Amt", ticket_prefix="Q", waiting_room_capacity=500
        )
        OpeningWindow.objects.bulk_create(
            OpeningWindow(office=office, weekday=d, start=clock(0), end=clock(23, 59, 59))
            for d in range(7)
        )
        staff_tokens = []
        for i in range(OFFICIALS):
            user = User.objects.create_user(f"bench{i}@example.org", "pw-123456", role="staff")
            member = StaffMember.objects.create(
                user=user, presence="available", mode="video", last_seen_at=timezone.now()
            )
            member.offices.set([office])
            staff_tokens.append(token_issue(user=user))
        citizen_tokens = [secrets.token_urlsafe(32) for _ in range(CITIZENS)]
        today = timezone.localdate()
        Ticket.objects.bulk_create(
            Ticket(
                office=office,
                day=today,
                sequence=n,
                number=f"Q-{n:03d}",
                token_hash=hash_secret(token),
            )
            for n, token in enumerate(citizen_tokens, start=1)
        )
    connection.set_schema_to_public()
    return staff_tokens, citizen_tokens


def _paced(host: str, paths: list[str], interval: float, stop, results) -> None:
    """A forked worker: request each path in turn, one every `interval` seconds (open loop),
    keeping the ETag of every path; send the latencies and status codes back."""
    client = Client(HTTP_HOST=host)
    etags: dict[str, str] = {}
    samples: list[float] = []
    codes: Counter = Counter()
    next_at = time.perf_counter()
    try:
        while not stop.is_set():
            for path in paths:
                if stop.is_set():
                    break
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
                headers = {"HTTP_IF_NONE_MATCH": etags[path]} if path in etags else {}
                started = time.perf_counter()
                response = client.get(path, **headers)
                samples.append(time.perf_counter() - started)
                codes[response.status_code] += 1
                if response.has_header("ETag"):
                    etags[path] = response["ETag"]
    finally:
        connection.close()
        results.put((paths[0].startswith("/healthz"), samples, dict(codes)))


@pytest.mark.committing
def test_status_and_call_next_under_load(committed_tenant):
    host = committed_tenant.host
    staff_tokens, citizen_tokens = _setup(committed_tenant)
    quiet_client = Client(HTTP_HOST=host)
    assert quiet_client.get(f"/api/queue/{citizen_tokens[0]}/").status_code == 200

    # --- quiet: one request at a time -------------------------------------------------------
    bare_quiet = measure(lambda: quiet_client.get("/healthz"), n=500, warmup=50)
    cycle = iter(citizen_tokens * 2)
    status_quiet = measure(lambda: quiet_client.get(f"/api/queue/{next(cycle)}/"), n=500, warmup=50)

    # --- under load -------------------------------------------------------------------------
    fork = multiprocessing.get_context("fork")
    stop, results = fork.Event(), fork.Queue()
    share = CITIZENS // WATCHER_PROCESSES
    per_process_interval = POLL_INTERVAL_S / share
    workers = [
        fork.Process(
            target=_paced,
            args=(
                host,
                [f"/api/queue/{t}/" for t in citizen_tokens[i * share : (i + 1) * share]],
                per_process_interval,
                stop,
                results,
            ),
        )
        for i in range(WATCHER_PROCESSES)
    ]
    workers.append(
        fork.Process(target=_paced, args=(host, ["/healthz"], BARE_INTERVAL_S, stop, results))
    )
    connections.close_all()  # children must not share this process's database sockets
    for worker in workers:
        worker.start()

    errors: list[BaseException] = []
    call_samples: list[float] = []
    called_ids: list[int] = []
    lock = threading.Lock()

    def official(token: str) -> None:
        client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")
        try:
            for _ in range(CALLS_PER_OFFICIAL):
                started = time.perf_counter()
                response = client.post("/api/staff/offices/bench-amt/call-next/")
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.content
                ticket_id = response.json()["ticket"]["id"]
                with lock:
                    call_samples.append(elapsed)
                    called_ids.append(ticket_id)
                assert client.post(f"/api/staff/tickets/{ticket_id}/start/").status_code == 200
                assert client.post(f"/api/staff/tickets/{ticket_id}/complete/").status_code == 200
                time.sleep(OFFICIAL_PAUSE_S)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    time.sleep(1.0)  # let the watchers settle into their pace
    started = time.perf_counter()
    officials = [threading.Thread(target=official, args=(t,)) for t in staff_tokens]
    for thread in officials:
        thread.start()
    for thread in officials:
        thread.join(timeout=600)
    duration = time.perf_counter() - started
    stop.set()
    status_samples: list[float] = []
    bare_samples: list[float] = []
    status_codes: Counter = Counter()
    for _ in workers:
        is_bare, samples, codes = results.get(timeout=120)
        if is_bare:
            bare_samples += samples
        else:
            status_samples += samples
            status_codes.update(codes)
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors

    duplicates = len(called_ids) - len(set(called_ids))
    status_load, call_next, bare_load = (
        Stats.of(status_samples),
        Stats.of(call_samples),
        Stats.of(bare_samples),
    )
    with committed_tenant.schema():
        done = Ticket.objects.filter(status="done").count()
    connection.set_schema_to_public()
    record(
        "queue_status_and_call_next",
        status_quiet=status_quiet,
        bare_quiet=bare_quiet,
        status_under_load=status_load,
        call_next_under_load=call_next,
        bare_under_load=bare_load,
        status_vs_bare_quiet_p50=status_quiet.p50_ms / bare_quiet.p50_ms,
        status_vs_bare_under_load_p50=status_load.p50_ms / bare_load.p50_ms,
        call_next_vs_bare_under_load_p50=call_next.p50_ms / bare_load.p50_ms,
        status_requests_per_second=len(status_samples) / duration,
        not_modified_share=status_codes[304] / max(1, sum(status_codes.values())),
        calls=len(called_ids),
        duplicate_calls=duplicates,
        status_p95_target_met=status_load.p95_ms < 50,
    )
    assert duplicates == 0
    assert len(called_ids) == OFFICIALS * CALLS_PER_OFFICIAL == done
    assert set(status_codes) <= {200, 304}
