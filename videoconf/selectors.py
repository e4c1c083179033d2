"""Reads of the videoconf app."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet

from videoconf.models import VideoIntegration, VideoSession, VideoSignal

# One poll hands out at most this many messages; the client asks again from the last id.
SIGNAL_PAGE = 100


def video_session_by_key(*, key: str) -> tuple[VideoSession, str] | None:
    """The session a room key opens in this municipality's schema, and the role it grants:
    "guest" for VideoSession.guest_key, "host" for host_key."""
    if not key or len(key) > 64:
        return None
    session = VideoSession.objects.filter(guest_key=key).first()
    if session is not None:
        return session, "guest"
    session = VideoSession.objects.filter(host_key=key).first()
    if session is not None:
        return session, "host"
    return None


def video_sessions_open(*, subject_kind: str, subject_ids: Iterable[int]) -> list[VideoSession]:
    """The sessions of these subjects that have not ended, oldest first."""
    return list(
        VideoSession.objects.filter(subject_kind=subject_kind, subject_id__in=list(subject_ids))
        .exclude(status=VideoSession.Status.ENDED)
        .order_by("created_at", "pk")
    )


def video_session_open_for(*, subject_kind: str, subject_id: int) -> VideoSession | None:
    """The newest session of this subject that has not ended."""
    return (
        VideoSession.objects.filter(subject_kind=subject_kind, subject_id=subject_id)
        .exclude(status=VideoSession.Status.ENDED)
        .order_by("-created_at", "-pk")
        .first()
    )


def subjects_with_open_session(*, subject_kind: str) -> QuerySet[VideoSession, int | None]:
    """The ids of the subjects of this kind that have a session that has not ended (a
    subquery for the caller's filter)."""
    return (
        VideoSession.objects.filter(subject_kind=subject_kind, subject_id__isnull=False)
        .exclude(status=VideoSession.Status.ENDED)
        .values_list("subject_id", flat=True)
    )


def video_signal_list(
    *, session: VideoSession, recipient: str, since: int = 0
) -> list[VideoSignal]:
    """Messages for `recipient` ("host" or "guest"), i.e. sent by the other side, after id
    `since`, oldest first."""
    return list(
        VideoSignal.objects.filter(session=session, id__gt=since)
        .exclude(sender=recipient)
        .order_by("id")[:SIGNAL_PAGE]
    )


def video_integration_get() -> VideoIntegration | None:
    return VideoIntegration.objects.first()


@dataclass(frozen=True)
class VideoUsage:
    sessions: int
    minutes: int


def video_usage_between(*, start: datetime, end: datetime) -> VideoUsage:
    """Video sessions of this municipality's schema that started in [start, end), and their
    length in minutes (each ended session's length, rounded up to the minute; a session still
    running counts as a session with no minutes yet). Read by billing's usage report."""
    sessions = VideoSession.objects.filter(
        started_at__gte=start, started_at__lt=end, started_at__isnull=False
    )
    totals = sessions.aggregate(count=Count("id"))
    durations = sessions.filter(ended_at__isnull=False).annotate(
        length=ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    )
    minutes = 0
    # Per session (rounded up), so that a session of 10 s counts a minute as on a phone bill.
    for length in durations.values_list("length", flat=True).iterator(chunk_size=2000):
        seconds = max(0, int(length.total_seconds()))
        minutes += -(-seconds // 60)
    return VideoUsage(sessions=totals["count"] or 0, minutes=minutes)
