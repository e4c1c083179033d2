"""Serializers of the citizens' office list and office page (CONTRACT.md §3): the live status
(scheduling.queue.office_status) with the office's configuration."""

from __future__ import annotations

from datetime import datetime

from rest_framework import serializers

from offices.serializers import ClosureSerializer, ServicePublicSerializer, WindowSerializer


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


class OfficeStatusSerializer(serializers.Serializer):
    """An office as citizens see it (CONTRACT.md §3)."""

    slug = serializers.CharField(source="office.slug")
    name = serializers.CharField(source="office.name")
    description = serializers.CharField(source="office.description")
    status = serializers.ChoiceField(
        choices=["open", "busy", "closed"],
        help_text="open: someone is free for video (or the office offers no video and its "
        "hours say open); busy: open, nobody free - all in sessions, or nobody serving video "
        "now (see availability); closed",
    )
    availability = serializers.ChoiceField(
        choices=["free", "all_busy", "nobody_serving", "no_video", "closed"],
        help_text="what status means right now: free (someone is free for video), all_busy "
        "(everyone serving video is in a session), nobody_serving (open, but nobody serves "
        "video now), no_video (the office offers no video consultations), closed",
    )
    video_enabled = serializers.BooleanField(source="office.video_enabled")
    waiting_count = serializers.IntegerField()
    waiting_room_capacity = serializers.IntegerField(source="office.waiting_room_capacity")
    waiting_room_full = serializers.BooleanField(
        help_text="nobody can draw a number now: book an appointment instead"
    )
    estimated_wait_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="for someone joining now; null when there is no estimate (closed, no "
        "video, nobody serving, waiting room full); 0 only when someone takes them at once",
    )
    next_opening = serializers.DateTimeField(allow_null=True)
    open_until = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Offsets of the municipality's local time, not UTC "Z".
        data["next_opening"] = iso(instance.next_opening)
        data["open_until"] = iso(instance.open_until)
        return data


class OfficeDetailSerializer(OfficeStatusSerializer):
    address = serializers.CharField(source="office.address")
    contact_email = serializers.CharField(source="office.contact_email")
    contact_phone = serializers.CharField(source="office.contact_phone")
    languages = serializers.ListField(source="office.languages", child=serializers.CharField())
    opening_hours = serializers.SerializerMethodField()
    closures = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()

    def get_opening_hours(self, obj) -> list[dict]:
        return WindowSerializer(obj.office.opening_windows.all(), many=True).data

    def get_closures(self, obj) -> list[dict]:
        return ClosureSerializer(obj.office.closures.all(), many=True).data

    def get_services(self, obj) -> list[dict]:
        active = [s for s in obj.office.services.all() if s.is_active]
        return ServicePublicSerializer(active, many=True).data
