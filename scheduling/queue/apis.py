"""Waiting-room APIs: citizens join, watch and leave; officials work the queue.

Thin views: parse, call one service or selector, serialise. Errors are the services'
ApiErrors (`{"detail", "code", ...}`)."""

from __future__ import annotations

import hashlib
import json

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from offices.models import Office, Service
from platform_core.errors import ApiError
from platform_core.permissions import IsMunicipalStaff
from scheduling.queue import error_codes, selectors, services
from scheduling.queue.models import Ticket
from scheduling.queue.office_status import office_status_get, office_statuses, status_list_cached
from scheduling.queue.serializers import OfficeDetailSerializer, OfficeStatusSerializer

# --- serialisers -----------------------------------------------------------------------------


# --- citizens: the offices' live status ---------------------------------------------------


class OfficeListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=OfficeStatusSerializer(many=True))
    def get(self, request):
        def compute() -> list:
            statuses = office_statuses(tenant=request.tenant)
            return OfficeStatusSerializer(statuses, many=True).data

        return Response(status_list_cached(compute))


class OfficeDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=OfficeDetailSerializer)
    def get(self, request, slug: str):
        found = office_status_get(tenant=request.tenant, slug=slug)
        if found is None:
            raise Http404
        return Response(OfficeDetailSerializer(found).data)


# --- citizens: the waiting room -----------------------------------------------------------


class JoinSerializer(serializers.Serializer):
    """Everything is optional (data minimisation)."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.RegexField(
        r"^[0-9+()/ .-]{0,40}$", max_length=40, required=False, allow_blank=True, default=""
    )
    service = serializers.SlugField(required=False, allow_blank=True, allow_null=True, default=None)


class TicketStatusSerializer(serializers.Serializer):
    number = serializers.CharField()
    office = serializers.CharField(help_text="office slug")
    office_name = serializers.CharField()
    office_status = serializers.ChoiceField(choices=["open", "busy", "closed"])
    service = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    position = serializers.IntegerField(allow_null=True, help_text="1 = next; null unless waiting")
    people_ahead = serializers.IntegerField(allow_null=True)
    estimated_wait_minutes = serializers.IntegerField(allow_null=True)
    join_url = serializers.CharField(allow_null=True, help_text="set once called")
    booking_url = serializers.CharField()
    called_at = serializers.DateTimeField(allow_null=True)


class JoinedSerializer(TicketStatusSerializer):
    token = serializers.CharField(help_text="the citizen's only key; shown once")
    status_url = serializers.CharField()
    page_url = serializers.CharField()


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def staff_ticket_data(ticket: Ticket, *, now=None) -> dict:
    """A ticket as officials of its office see it (names only where the citizen gave them)."""
    now = now or timezone.now()
    official = ticket.official
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "phase": selectors.call_phase(ticket),
        "office": ticket.office.slug,
        "service": (
            {"slug": ticket.service.slug, "name": ticket.service.name}
            if ticket.service_id
            else None
        ),
        "name": ticket.name,
        "email": ticket.email,
        "phone": ticket.phone,
        "created_at": _iso(ticket.created_at),
        "called_at": _iso(ticket.called_at),
        "joined_at": _iso(ticket.joined_at),
        "started_at": _iso(ticket.started_at),
        "finished_at": _iso(ticket.finished_at),
        "waiting_minutes": int((now - ticket.created_at).total_seconds() // 60),
        "call_count": ticket.call_count,
        "official": (official.user.full_name or official.user.email) if official else None,
    }


STAFF_TICKET = inline_serializer(
    "StaffTicket",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.CharField(),
        "phase": serializers.ChoiceField(
            choices=[*Ticket.Status.values, selectors.JOINED],
            help_text="the status, except `joined` for a called citizen who has opened the "
            "video; it decides which actions are allowed",
        ),
        "office": serializers.CharField(),
        "service": serializers.DictField(allow_null=True),
        "name": serializers.CharField(),
        "email": serializers.CharField(),
        "phone": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "called_at": serializers.DateTimeField(),
        "joined_at": serializers.DateTimeField(),
        "started_at": serializers.DateTimeField(),
        "finished_at": serializers.DateTimeField(),
        "waiting_minutes": serializers.IntegerField(),
        "call_count": serializers.IntegerField(),
        "official": serializers.CharField(),
    },
)
TICKET_RESPONSE = inline_serializer(
    "StaffTicketResponse",
    {"ticket": STAFF_TICKET, "host_url": serializers.CharField(required=False)},
)
ERROR = inline_serializer(
    "QueueError", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


def _office(slug: str) -> Office:
    office = Office.objects.filter(slug=slug).first()
    if office is None:
        raise ApiError(
            _("There is no such office."), error_codes.OFFICE_NOT_FOUND, status.HTTP_404_NOT_FOUND
        )
    return office


# --- citizens --------------------------------------------------------------------------------


class QueueJoinApi(APIView):
    """Draw a number. Rate-limited per client (scope `queue_join`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "queue_join"

    @extend_schema(
        request=JoinSerializer,
        responses={
            201: JoinedSerializer,
            400: ERROR,
            404: ERROR,
            429: ERROR,
            409: OpenApiResponse(
                ERROR,
                description="office_closed, waiting_room_full or "
                "video_not_offered; with booking_url",
            ),
        },
    )
    def post(self, request, slug: str):
        office = _office(slug)
        payload = JoinSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service = None
        if data.get("service"):
            service = Service.objects.filter(
                office=office, slug=data["service"], is_active=True
            ).first()
            if service is None:
                raise ApiError(_("This office has no such service."), error_codes.UNKNOWN_SERVICE)
        _ticket, token = services.ticket_join(
            office=office,
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            service=service,
            language=getattr(request, "LANGUAGE_CODE", "de") or "de",
        )
        body = selectors.ticket_status(token=token) or {}
        body.update(token=token, status_url=f"/api/queue/{token}/", page_url=f"/queue/{token}/")
        return Response(body, status=status.HTTP_201_CREATED)


def _etag(body: dict) -> str:
    digest = hashlib.blake2b(json.dumps(body, sort_keys=True).encode(), digest_size=12)
    return f'W/"{digest.hexdigest()}"'


class QueueTicketApi(APIView):
    """A citizen's own ticket. Poll with If-None-Match: unchanged answers are 304."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: TicketStatusSerializer, 304: None, 404: ERROR})
    def get(self, request, token: str):
        body = selectors.ticket_status(token=token)
        if body is None:
            raise ApiError(
                _("Unknown ticket."), error_codes.TICKET_NOT_FOUND, status.HTTP_404_NOT_FOUND
            )
        etag = _etag(body)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, headers=headers)

    @extend_schema(responses={200: TicketStatusSerializer, 404: ERROR, 409: ERROR})
    def delete(self, request, token: str):
        ticket = selectors.ticket_by_token(token)
        if ticket is None:
            raise ApiError(
                _("Unknown ticket."), error_codes.TICKET_NOT_FOUND, status.HTTP_404_NOT_FOUND
            )
        services.ticket_leave(ticket=ticket)
        return Response(selectors.ticket_status(token=token))


# --- officials -------------------------------------------------------------------------------


class StaffOfficeQueueApi(APIView):
    """The office's queue for its officials (and the municipality's admins)."""

    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        responses={
            200: inline_serializer(
                "StaffQueue",
                {
                    "office": serializers.CharField(),
                    "waiting": STAFF_TICKET,
                    "active": STAFF_TICKET,
                    "mine": STAFF_TICKET,
                    "call_in_progress": serializers.BooleanField(
                        help_text="the official has a call that is not over: no call-next"
                    ),
                    "appointment_due": serializers.DateTimeField(allow_null=True),
                    "presence": serializers.CharField(),
                    "mode": serializers.CharField(),
                },
            ),
            403: ERROR,
        }
    )
    def get(self, request, slug: str):
        office = _office(slug)
        member = selectors.staff_member_for(request.user)
        is_member = selectors.member_belongs_to(member, office.pk)
        if not is_member and request.user.role != "admin":
            raise ApiError(
                _("You do not belong to this office."),
                error_codes.NOT_STAFF_OF_OFFICE,
                status.HTTP_403_FORBIDDEN,
            )
        due, mine = None, []
        if member is not None:
            services.member_heartbeat(member=member)
            appointment = selectors.appointment_due(member=member)
            due = _iso(appointment.start) if appointment else None
            mine = selectors.member_active_tickets(member=member)
        queue = selectors.office_queue(office=office)
        now = timezone.now()
        return Response(
            {
                "office": office.slug,
                "waiting": [staff_ticket_data(t, now=now) for t in queue["waiting"]],
                "active": [staff_ticket_data(t, now=now) for t in queue["active"]],
                "mine": [staff_ticket_data(t, now=now) for t in mine],
                "call_in_progress": bool(mine),
                "appointment_due": due,
                "presence": member.presence if member else None,
                "mode": member.mode if member else None,
            }
        )


class CallNextApi(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        request=None,
        responses={
            200: TICKET_RESPONSE,
            204: OpenApiResponse(description="nobody waits"),
            403: ERROR,
            409: OpenApiResponse(ERROR, description="call_in_progress or appointment_due"),
            503: OpenApiResponse(
                ERROR,
                description="the video provider failed; code is the "
                "provider's; the ticket keeps its place",
            ),
        },
    )
    def post(self, request, slug: str):
        office = _office(slug)
        called = services.ticket_call_next(office=office, acting_user=request.user)
        if called is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({"ticket": staff_ticket_data(called.ticket), "host_url": called.host_url})


class _TicketActionApi(APIView):
    permission_classes = [IsMunicipalStaff]

    def _ticket(self, pk: int) -> Ticket:
        ticket = (
            Ticket.objects.select_related("office", "service", "official__user")
            .filter(pk=pk)
            .first()
        )
        if ticket is None:
            raise ApiError(
                _("There is no such ticket."),
                error_codes.TICKET_NOT_FOUND,
                status.HTTP_404_NOT_FOUND,
            )
        return ticket

    def act(self, request, ticket: Ticket) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    @extend_schema(
        request=None,
        responses={
            200: TICKET_RESPONSE,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(
                ERROR,
                description="invalid_transition; citizen_joined (no no-show, no new call "
                "once the citizen has joined the video); call_in_progress (call again)",
            ),
        },
    )
    def post(self, request, pk: int):
        body = self.act(request, self._ticket(pk))
        ticket = self._ticket(pk)
        return Response({"ticket": staff_ticket_data(ticket), **body})


class TicketStartApi(_TicketActionApi):
    def act(self, request, ticket):
        services.ticket_start(ticket=ticket, acting_user=request.user)
        return {}


class TicketCompleteApi(_TicketActionApi):
    def act(self, request, ticket):
        services.ticket_complete(ticket=ticket, acting_user=request.user)
        return {}


class TicketNoShowApi(_TicketActionApi):
    def act(self, request, ticket):
        services.ticket_no_show(ticket=ticket, acting_user=request.user)
        return {}


class TicketRecallApi(_TicketActionApi):
    def act(self, request, ticket):
        called = services.ticket_recall(ticket=ticket, acting_user=request.user)
        return {"host_url": called.host_url}


class TransferSerializer(serializers.Serializer):
    office = serializers.SlugField()


class TicketTransferApi(_TicketActionApi):
    @extend_schema(
        request=TransferSerializer,
        responses={
            200: TICKET_RESPONSE,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(
                ERROR,
                description="target_office_closed or target_video_not_offered (the other "
                "office cannot take the citizen now), invalid_transition",
            ),
        },
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, ticket):
        payload = TransferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        to_office = Office.objects.filter(slug=payload.validated_data["office"]).first()
        if to_office is None:
            raise ApiError(_("There is no such office."), error_codes.UNKNOWN_OFFICE)
        services.ticket_transfer(ticket=ticket, to_office=to_office, acting_user=request.user)
        return {}
