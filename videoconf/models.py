"""Video integration of one municipality and the video sessions opened for tickets and
appointments. Secrets are stored encrypted (platform_core.crypto) and never serialised."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.crypto import decrypt, encrypt


class VideoIntegration(models.Model):
    """At most one row per municipality schema; absent means the built-in provider."""

    class Provider(models.TextChoices):
        BUILTIN = "builtin", _("Built-in video (WebRTC)")
        WEBEX = "webex", _("Cisco Webex")

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.BUILTIN)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret_enc = models.TextField(blank=True)
    refresh_token_enc = models.TextField(blank=True)
    access_token_enc = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    host_email = models.EmailField(blank=True)
    site_url = models.CharField(max_length=200, blank=True)
    webhook_secret_enc = models.TextField(blank=True)
    # Ids of the webhooks registered at Webex for this integration (replaced on every save).
    webhook_ids = models.JSONField(default=list, blank=True)
    api_base = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.provider

    # Secrets: write-only accessors; the *_enc columns hold Fernet ciphertext.
    def set_secret(self, name: str, value: str) -> None:
        setattr(self, f"{name}_enc", encrypt(value))

    def secret(self, name: str) -> str:
        return decrypt(getattr(self, f"{name}_enc"))

    def has_secret(self, name: str) -> bool:
        return bool(getattr(self, f"{name}_enc"))


def new_room_token() -> str:
    return secrets.token_urlsafe(24)


class VideoSession(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        LIVE = "live", _("In progress")
        ENDED = "ended", _("Ended")

    provider = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Provider's id (Webex meeting id) or empty for the built-in provider.
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    # Unguessable keys to the built-in room: one for the citizen, one for the official.
    guest_key = models.CharField(max_length=64, unique=True, default=new_room_token)
    host_key = models.CharField(max_length=64, unique=True, default=new_room_token)
    host_url = models.URLField(max_length=1000, blank=True)
    # What the session is for, opaque to videoconf: the opening app's kind ("ticket",
    # "appointment") and row id. videoconf knows no other app (README "Layers"); it tells them
    # what happened through videoconf.events. Not a GenericForeignKey: content type ids differ
    # between schemas and Django caches them across schemas.
    subject_kind = models.CharField(max_length=32, blank=True, default="")
    subject_id = models.BigIntegerField(null=True, blank=True)
    # How the citizen appears at the provider: a number ("Gast B-007"), never a name.
    guest_label = models.CharField(max_length=40, blank=True, default="")
    # The official who hosts the session.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="video_sessions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    guest_joined_at = models.DateTimeField(null=True, blank=True)
    # Ended here, but ending it at the provider failed (Webex down): retried by a beat task.
    remote_cleanup_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id"], name="videosession_subject"),
            models.Index(
                fields=["remote_cleanup_pending"],
                condition=models.Q(remote_cleanup_pending=True),
                name="videosession_cleanup_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.pk}"

    @property
    def is_ended(self) -> bool:
        return self.status == self.Status.ENDED


class VideoSignal(models.Model):
    """One WebRTC signalling message of the built-in room, from host or guest to the other.

    Short-lived: a sender's older messages go when it says hello again (page reload), and all
    of a session's messages go when the session ends."""

    class Sender(models.TextChoices):
        HOST = "host", _("Official")
        GUEST = "guest", _("Citizen")

    class Kind(models.TextChoices):
        HELLO = "hello", "hello"
        OFFER = "offer", "offer"
        ANSWER = "answer", "answer"
        CANDIDATE = "candidate", "candidate"
        BYE = "bye", "bye"

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="signals")
    sender = models.CharField(max_length=5, choices=Sender.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"], name="videosignal_session_id")]

    def __str__(self) -> str:
        return f"{self.sender}:{self.kind}"
