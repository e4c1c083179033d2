"""Office APIs: citizens read status; admins configure; officials set presence."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from offices import selectors, services
from offices.cache import status_list_cached
from offices.models import Closure, Office, Service, StaffMember
from offices.serializers import (
    ClosureSerializer,
    LocalHolidaySerializer,
    OfficeAdminSerializer,
    OfficeDetailSerializer,
    OfficeStatusSerializer,
    PresenceSerializer,
    ServiceAdminSerializer,
    StaffAdminSerializer,
    WindowSerializer,
)
from platform_core.errors import ApiError, service_errors
from platform_core.permissions import IsMunicipalAdmin, IsMunicipalStaff

# --- citizens --------------------------------------------------------------------------------


class OfficeListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=OfficeStatusSerializer(many=True))
    def get(self, request):
        def compute() -> list:
            statuses = selectors.office_statuses(tenant=request.tenant)
            return OfficeStatusSerializer(statuses, many=True).data

        return Response(status_list_cached(compute))


class OfficeDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=OfficeDetailSerializer)
    def get(self, request, slug: str):
        found = selectors.office_status_get(tenant=request.tenant, slug=slug)
        if found is None:
            raise Http404
        return Response(OfficeDetailSerializer(found).data)


# --- municipal administration --------------------------------------------------------------


class AdminOfficeListApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=OfficeAdminSerializer(many=True))
    def get(self, request):
        return Response(OfficeAdminSerializer(Office.objects.all(), many=True).data)

    @extend_schema(request=OfficeAdminSerializer, responses={201: OfficeAdminSerializer})
    def post(self, request):
        payload = OfficeAdminSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            office = services.office_create(acting_user=request.user, **payload.validated_data)
        return Response(OfficeAdminSerializer(office).data, status=status.HTTP_201_CREATED)


class AdminOfficeDetailApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=OfficeAdminSerializer)
    def get(self, request, slug: str):
        return Response(OfficeAdminSerializer(get_object_or_404(Office, slug=slug)).data)

    @extend_schema(request=OfficeAdminSerializer, responses=OfficeAdminSerializer)
    def patch(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        payload = OfficeAdminSerializer(office, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        with service_errors():
            office = services.office_update(
                office=office, acting_user=request.user, **payload.validated_data
            )
        return Response(OfficeAdminSerializer(office).data)

    put = patch

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        services.office_delete(office=office, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminOpeningHoursApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=WindowSerializer(many=True))
    def get(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        return Response(WindowSerializer(office.opening_windows.all(), many=True).data)

    @extend_schema(request=WindowSerializer(many=True), responses=WindowSerializer(many=True))
    def put(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        payload = WindowSerializer(data=request.data, many=True)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.opening_hours_replace(
                office=office, windows=payload.validated_data, acting_user=request.user
            )
        return Response(WindowSerializer(office.opening_windows.all(), many=True).data)


class AdminClosureListApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=ClosureSerializer(many=True))
    def get(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        return Response(ClosureSerializer(office.closures.all(), many=True).data)

    @extend_schema(request=ClosureSerializer, responses={201: ClosureSerializer})
    def post(self, request, slug: str):
        office = get_object_or_404(Office, slug=slug)
        payload = ClosureSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            closure = services.closure_create(
                office=office, acting_user=request.user, **payload.validated_data
            )
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class AdminClosureDetailApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    def _get(self, slug: str, pk: int) -> Closure:
        return get_object_or_404(Closure, office__slug=slug, pk=pk)

    @extend_schema(responses=ClosureSerializer)
    def get(self, request, slug: str, pk: int):
        return Response(ClosureSerializer(self._get(slug, pk)).data)

    @extend_schema(request=ClosureSerializer, responses=ClosureSerializer)
    def patch(self, request, slug: str, pk: int):
        closure = self._get(slug, pk)
        payload = ClosureSerializer(closure, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        with service_errors():
            closure = services.closure_update(
                closure=closure, acting_user=request.user, **payload.validated_data
            )
        return Response(ClosureSerializer(closure).data)

    put = patch

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, pk: int):
        services.closure_delete(closure=self._get(slug, pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminServiceListApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=ServiceAdminSerializer(many=True))
    def get(self, request):
        qs = Service.objects.select_related("office")
        if office := request.query_params.get("office"):
            qs = qs.filter(office__slug=office)
        return Response(ServiceAdminSerializer(qs, many=True).data)

    @extend_schema(request=ServiceAdminSerializer, responses={201: ServiceAdminSerializer})
    def post(self, request):
        payload = ServiceAdminSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        office = data.pop("office")
        with service_errors():
            service = services.service_create(office=office, acting_user=request.user, **data)
        return Response(ServiceAdminSerializer(service).data, status=status.HTTP_201_CREATED)


class AdminServiceDetailApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=ServiceAdminSerializer)
    def get(self, request, pk: int):
        return Response(ServiceAdminSerializer(get_object_or_404(Service, pk=pk)).data)

    @extend_schema(request=ServiceAdminSerializer, responses=ServiceAdminSerializer)
    def patch(self, request, pk: int):
        service = get_object_or_404(Service, pk=pk)
        payload = ServiceAdminSerializer(service, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        with service_errors():
            service = services.service_update(
                service=service, acting_user=request.user, **payload.validated_data
            )
        return Response(ServiceAdminSerializer(service).data)

    put = patch

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.service_delete(service=get_object_or_404(Service, pk=pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminStaffListApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=StaffAdminSerializer(many=True))
    def get(self, request):
        members = StaffMember.objects.select_related("user").prefetch_related("offices", "services")
        return Response(StaffAdminSerializer(members, many=True).data)

    @extend_schema(request=StaffAdminSerializer, responses={201: StaffAdminSerializer})
    def post(self, request):
        payload = StaffAdminSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user_data = data.get("user", {})
        with service_errors(), transaction.atomic():
            user = services.staff_account_create(
                email=user_data["email"],
                password=data.get("password"),
                role=user_data.get("role", "staff"),
                office_slugs=[o.slug for o in data.get("offices", [])],
                full_name=user_data.get("full_name", ""),
                acting_user=request.user,
            )
            member = user.staff_profile
            if "services" in data:
                services.staff_assign(
                    member=member, services=data["services"], acting_user=request.user
                )
            if not data.get("password"):
                _send_set_password_on_commit(request, user)
        return Response(StaffAdminSerializer(member).data, status=status.HTTP_201_CREATED)


def _send_set_password_on_commit(request, user) -> None:
    from platform_core.services import set_password_mail_send

    tenant = request.tenant
    base = tenant.url()
    transaction.on_commit(
        lambda: set_password_mail_send(user=user, base_url=base, organisation=tenant.name)
    )


class AdminStaffDetailApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    def _get(self, pk: int) -> StaffMember:
        return get_object_or_404(StaffMember.objects.select_related("user"), pk=pk)

    @extend_schema(responses=StaffAdminSerializer)
    def get(self, request, pk: int):
        return Response(StaffAdminSerializer(self._get(pk)).data)

    @extend_schema(request=StaffAdminSerializer, responses=StaffAdminSerializer)
    def patch(self, request, pk: int):
        member = self._get(pk)
        payload = StaffAdminSerializer(member, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.staff_update(
            member=member,
            acting_user=request.user,
            offices=data.get("offices"),
            services=data.get("services"),
            **data.get("user", {}),
        )
        return Response(StaffAdminSerializer(self._get(pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Deactivate: the account can no longer log in; history stays intact."""
        services.staff_deactivate(member=self._get(pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminLocalHolidayApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=LocalHolidaySerializer(many=True))
    def get(self, request):
        from offices.models import LocalHoliday

        return Response(LocalHolidaySerializer(LocalHoliday.objects.all(), many=True).data)

    @extend_schema(request=LocalHolidaySerializer, responses={201: LocalHolidaySerializer})
    def post(self, request):
        payload = LocalHolidaySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        holiday = services.local_holiday_set(acting_user=request.user, **payload.validated_data)
        return Response(LocalHolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)


# --- officials ---------------------------------------------------------------------------


class StaffPresenceApi(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(request=PresenceSerializer, responses=PresenceSerializer)
    def put(self, request):
        member = selectors.staff_member_of(request.user)
        if member is None:
            raise ApiError(
                _("This account is not an official of an office."),
                "not_an_official",
                status.HTTP_403_FORBIDDEN,
            )
        payload = PresenceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.presence_set(
            member=member,
            presence=payload.validated_data["presence"],
            mode=payload.validated_data.get("mode"),
        )
        return Response({"status": member.presence, "mode": member.mode})

    @extend_schema(responses=PresenceSerializer)
    def get(self, request):
        member = selectors.staff_member_of(request.user)
        if member is None:
            raise Http404
        return Response({"status": member.presence, "mode": member.mode})
