"""Admin API of the municipality's video integration (CONTRACT.md §3, municipal admin)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_core.errors import ApiError, drf_validation_error
from platform_core.permissions import IsMunicipalAdmin
from videoconf import selectors, services
from videoconf.models import VideoIntegration
from videoconf.providers import VideoProviderError


def _secret_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=4000,
        trim_whitespace=True,
    )


class VideoIntegrationInputSerializer(serializers.Serializer):
    """Secrets are write-only: omitted or empty keeps the stored value."""

    provider = serializers.ChoiceField(choices=VideoIntegration.Provider.choices)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    client_secret = _secret_field()
    refresh_token = _secret_field()
    access_token = _secret_field()
    webhook_secret = _secret_field()
    host_email = serializers.EmailField(required=False, allow_blank=True)
    site_url = serializers.CharField(required=False, allow_blank=True, max_length=200)
    api_base = serializers.URLField(required=False, allow_blank=True, max_length=200)


class VideoIntegrationOutputSerializer(serializers.Serializer):
    provider = serializers.CharField()
    client_id = serializers.CharField()
    client_secret_set = serializers.BooleanField()
    refresh_token_set = serializers.BooleanField()
    access_token_set = serializers.BooleanField()
    access_token_expires_at = serializers.DateTimeField(allow_null=True)
    webhook_secret_set = serializers.BooleanField()
    host_email = serializers.CharField()
    site_url = serializers.CharField()
    api_base = serializers.CharField()
    effective_api_base = serializers.CharField()
    webhooks_registered = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True)


def integration_data(integration: VideoIntegration | None) -> dict:
    """What the API shows: never a secret, only whether one is stored."""
    from django.conf import settings

    row = integration or VideoIntegration()
    return {
        "provider": row.provider,
        "client_id": row.client_id,
        **{f"{name}_set": row.has_secret(name) for name in services.SECRET_FIELDS},
        "access_token_expires_at": row.access_token_expires_at,
        "host_email": row.host_email,
        "site_url": row.site_url,
        "api_base": row.api_base,
        "effective_api_base": row.api_base or settings.WEBEX_API_BASE,
        "webhooks_registered": len(row.webhook_ids or []),
        "updated_at": row.updated_at if integration else None,
    }


def _provider_error(exc: VideoProviderError) -> dict:
    return {"detail": exc.message, "code": exc.code, "tracking_id": exc.tracking_id}


def _refused_by_provider(exc: VideoProviderError) -> ApiError:
    """400 with the provider's message (CONTRACT.md §3), its code and Webex's trackingId."""
    return ApiError(
        exc.message,
        exc.code,
        400,
        extra={"tracking_id": exc.tracking_id, "provider_message": exc.provider_message},
    )


PROVIDER_REFUSED = inline_serializer(
    "VideoProviderRefused",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="e.g. webex_auth_failed, webex_unavailable"),
        "tracking_id": serializers.CharField(allow_null=True),
        "provider_message": serializers.CharField(help_text="the provider's own words"),
    },
)


class VideoIntegrationApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=VideoIntegrationOutputSerializer)
    def get(self, request):
        data = integration_data(selectors.video_integration_get())
        return Response(VideoIntegrationOutputSerializer(data).data)

    @extend_schema(
        request=VideoIntegrationInputSerializer,
        responses={
            200: VideoIntegrationOutputSerializer,
            400: OpenApiResponse(
                PROVIDER_REFUSED,
                description="invalid input (field errors), or the provider refused the new "
                "credentials: nothing was saved, the previous provider stays live",
            ),
        },
    )
    def put(self, request):
        payload = VideoIntegrationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            integration, webhook_error = services.video_integration_save(
                acting_user=request.user, data=payload.validated_data
            )
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from exc
        except VideoProviderError as exc:
            raise _refused_by_provider(exc) from exc
        data = VideoIntegrationOutputSerializer(integration_data(integration)).data
        data["webhook_error"] = _provider_error(webhook_error) if webhook_error else None
        return Response(data)


class VideoIntegrationTestApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("VideoIntegrationTestOk", {"ok": serializers.BooleanField()}),
            400: PROVIDER_REFUSED,
        },
    )
    def post(self, request):
        try:
            services.video_integration_test(acting_user=request.user)
        except VideoProviderError as exc:
            raise _refused_by_provider(exc) from exc
        return Response({"ok": True})
