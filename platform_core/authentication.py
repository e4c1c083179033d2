"""Token authentication bound to the host (schema) that issued the token."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from platform_core import tenancy
from platform_core.models import ApiToken, User, hash_token


def token_issue(*, user: User) -> str:
    """Issue a token for `user` in the current schema; only its hash is stored."""
    raw = ApiToken.new_raw_key()
    ApiToken.objects.create(
        user=user, key_hash=hash_token(raw), schema_name=tenancy.current_schema()
    )
    return raw


class HostBoundTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(key), schema_name=tenancy.current_schema())
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="invalid_token")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
