from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from offices.models import Closure, Mode, Office, Service, StaffMember
from offices.services import OFFICE_FIELDS


class ServicePublicSerializer(serializers.ModelSerializer):
    modes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "description", "duration_minutes", "modes", "what_to_bring"]


class WindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField()
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])


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
