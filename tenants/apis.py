"""Vendor API (public host only): onboard and manage municipalities."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_core.errors import drf_validation_error
from platform_core.permissions import IsVendorStaff
from tenants import selectors, services
from tenants.models import Municipality, State
from tenants.plans import Plan


class MunicipalityOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    kind = serializers.CharField()
    domains = serializers.SerializerMethodField()
    status = serializers.CharField()
    url = serializers.SerializerMethodField()
    data_retention_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_domains(self, obj: Municipality) -> list[str]:
        domains = sorted(obj.domains.all(), key=lambda d: (not d.is_primary, d.domain))
        return [d.domain for d in domains]

    def get_url(self, obj: Municipality) -> str:
        return obj.url()


class MunicipalityCreateSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=200)
    state = serializers.ChoiceField(choices=State.choices)
    kind = serializers.ChoiceField(choices=Municipality.Kind.choices)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253), required=False, default=list, max_length=20
    )
    admin_email = serializers.EmailField()
    admin_password = serializers.CharField(
        required=False, allow_blank=False, write_only=True, min_length=8, max_length=128
    )
    plan = serializers.ChoiceField(choices=Plan.choices, required=False)
    billing = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text="Billing details: email, address_line1, postal_code, city, vat_id, leitweg_id.",
    )


class MunicipalityUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(choices=Municipality.Status.choices, required=False)
    data_retention_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)


class MunicipalityListApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(responses=MunicipalityOutputSerializer(many=True))
    def get(self, request):
        return Response(MunicipalityOutputSerializer(selectors.municipality_list(), many=True).data)

    @extend_schema(
        request=MunicipalityCreateSerializer, responses={201: MunicipalityOutputSerializer}
    )
    def post(self, request):
        payload = MunicipalityCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            tenant = services.municipality_onboard(
                data=services.OnboardingInput(
                    slug=data["slug"],
                    name=data["name"],
                    state=data["state"],
                    kind=data["kind"],
                    domains=data["domains"],
                    admin_email=data["admin_email"],
                    admin_password=data.get("admin_password"),
                    plan=data.get("plan"),
                    billing=data.get("billing") or {},
                ),
                acting_user=request.user,
            )
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from exc
        tenant = selectors.municipality_get(slug=tenant.schema_name)
        return Response(MunicipalityOutputSerializer(tenant).data, status=status.HTTP_201_CREATED)


class MunicipalityDetailApi(APIView):
    permission_classes = [IsVendorStaff]

    def _get(self, slug: str) -> Municipality:
        tenant = selectors.municipality_get(slug=slug)
        if tenant is None:
            raise Http404
        return tenant

    @extend_schema(responses=MunicipalityOutputSerializer)
    def get(self, request, slug: str):
        return Response(MunicipalityOutputSerializer(self._get(slug)).data)

    @extend_schema(request=MunicipalityUpdateSerializer, responses=MunicipalityOutputSerializer)
    def patch(self, request, slug: str):
        tenant = self._get(slug)
        payload = MunicipalityUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.municipality_update(
            municipality=tenant, acting_user=request.user, **payload.validated_data
        )
        return Response(MunicipalityOutputSerializer(self._get(slug)).data)
