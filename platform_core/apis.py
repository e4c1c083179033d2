"""Endpoints every host has: obtain a token, who am I. (Health and readiness: health/.)"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from platform_core.authentication import token_issue
from platform_core.errors import ApiError


class AuthThrottle(AnonRateThrottle):
    scope = "auth"


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenObtainApi(APIView):
    """Exchange e-mail and password for a token valid on this host only."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None or not _may_use_host(user, request):
            raise ApiError(
                _("E-mail or password is wrong."),
                "invalid_credentials",
                status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": token_issue(user=user)})


def _may_use_host(user, request) -> bool:
    # Accounts live in one schema each; the role check guards against a misfiled account.
    if request.tenant is None:
        return user.role == "vendor"
    return user.role in ("admin", "staff")


class MeApi(APIView):
    """The account behind the request's credentials, on this host."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "email": serializers.EmailField(),
                "role": serializers.CharField(),
                "municipality": serializers.CharField(allow_null=True),
            },
        )
    )
    def get(self, request):
        tenant = request.tenant
        return Response(
            {
                "email": request.user.email,
                "role": request.user.role,
                "municipality": tenant.schema_name if tenant else None,
            }
        )
