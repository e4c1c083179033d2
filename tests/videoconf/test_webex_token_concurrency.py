"""Several workers finding the access token expired at once refresh it once: the row lock
serialises them, so a rotating refresh token is never spent twice (which would lock the
municipality out of Webex)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.videoconf.video_helpers import configure_webex, register
from videoconf.models import VideoIntegration
from videoconf.providers.webex import DatabaseTokenProvider


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")  # see the db test below
def test_concurrent_workers_refresh_an_expired_token_once(committed_tenant, fake_webex):
    creds = register(fake_webex, "tmp")
    with schema_context(committed_tenant.slug):
        integration = configure_webex(
            fake_webex, creds, expires_at=timezone.now() - timedelta(minutes=1)
        )
    fake_webex.delay_next("/access_token", 0.5)  # the first refresh is slow
    workers = 4
    barrier = threading.Barrier(workers)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            connection.set_tenant(committed_tenant.tenant)
            provider = DatabaseTokenProvider(
                integration.pk, api_base=fake_webex.base_url, timeout=5
            )
            barrier.wait()
            tokens.append(provider.get_token())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert len(fake_webex.requests("POST", "/access_token")) == 1
    assert len(tokens) == workers and len(set(tokens)) == 1
    assert tokens[0] != creds.access_token
    with schema_context(committed_tenant.slug):
        row = VideoIntegration.objects.get()
        assert row.secret("access_token") == tokens[0]
        assert row.secret("refresh_token") == fake_webex.valid_refresh_tokens(creds.client_id)[0]


def test_after_a_401_a_token_renewed_by_another_worker_is_used_without_refreshing(
    tenant_a, fake_webex
):
    # (Also makes pytest-django create the test database when this module runs alone.)
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        integration = configure_webex(fake_webex, creds)
        provider = DatabaseTokenProvider(integration.pk, api_base=fake_webex.base_url, timeout=5)
        assert provider.get_token() == creds.access_token
        # Meanwhile another worker refreshed and stored a new token.
        renewed = fake_webex.issue_access_token(creds.client_id)
        row = VideoIntegration.objects.get()
        row.set_secret("access_token", renewed)
        row.save()
        provider.invalidate()  # Webex refused the token this worker used
        assert provider.get_token() == renewed
        assert fake_webex.requests("POST", "/access_token") == []
        # Refused again: now this worker refreshes itself.
        provider.invalidate()
        fresh = provider.get_token()
        assert fresh not in (renewed, creds.access_token)
        assert len(fake_webex.requests("POST", "/access_token")) == 1
