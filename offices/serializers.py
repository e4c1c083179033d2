from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from offices.models import Closure, Mode, Office, Service, StaffMember
from offices.services import OFFICE_FIELDS


def iso(dt):
    return dt.isoformat() if dt else None


class ServicePublicSerializer(serializers.ModelSerializer):
    modes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "description", "duration_minutes", "modes", "what_to_bring"]


class WindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField()
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])


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


class OfficeAdminSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = list(OFFICE_FIELDS)
        extra_kwargs = {"slug": {"validators": []}}

    def validate_languages(self, value):
        if not isinstance(value, list) or not all(
            isinstance(v, str) and len(v) <= 8 for v in value
        ):
            raise serializers.ValidationError(_('A list of language codes, e.g. ["de", "en"].'))
        return value


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "start_date", "end_date", "reason"]


class ServiceAdminSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(slug_field="slug", queryset=Office.objects.all())
    modes = serializers.MultipleChoiceField(choices=Mode.choices)

    class Meta:
        model = Service
        fields = [
            "id",
            "office",
            "slug",
            "name",
            "description",
            "duration_minutes",
            "modes",
            "what_to_bring",
            "order",
            "is_active",
        ]
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["modes"] = instance.modes
        return data


class StaffAdminSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(
        source="user.full_name", required=False, allow_blank=True, max_length=150
    )
    role = serializers.ChoiceField(source="user.role", choices=["staff", "admin"], default="staff")
    is_active = serializers.BooleanField(source="user.is_active", required=False)
    password = serializers.CharField(write_only=True, required=False, min_length=8, max_length=128)
    offices = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Office.objects.all(), required=False
    )
    services = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Service.objects.all(), required=False
    )
    presence = serializers.CharField(read_only=True)
    mode = serializers.CharField(read_only=True)


class PresenceSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=StaffMember.Presence.choices, source="presence")
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)


class LocalHolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=200)
