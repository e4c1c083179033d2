"""Appointment APIs (CONTRACT.md §3): citizens list slots, book, see, cancel and move their
appointment with its manage token; staff read the day plan and mark no-shows; admins block
time and cancel with a message. Thin: parse, call one service or selector, serialise."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from offices.models import Mode, StaffMember
from platform_core.errors import ApiError, service_errors
from platform_core.permissions import IsMunicipalAdmin, IsMunicipalStaff
from scheduling.appointments import dates as booking_dates
from scheduling.appointments import error_codes as codes
from scheduling.appointments import selectors, services
from scheduling.appointments.dayplan import APPOINTMENT, BLOCK, DayPlanEntry
from scheduling.appointments.models import Appointment, AppointmentMail

MODE_CHOICES = [Mode.VIDEO.value, Mode.IN_PERSON.value]


# --- helpers ----------------------------------------------------------------------------------


def field_error(name: str, message: str, code: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [serializers.ErrorDetail(message, code=code)]})


def parse_start(value: str, name: str = "start") -> datetime:
    """ISO 8601 with an offset (`Z` or `+01:00`), within booking_dates' range."""
    try:
        return booking_dates.parse_moment(value)
    except booking_dates.DateInputError as exc:
        raise field_error(name, exc.message, exc.code) from None


def parse_day(value: str | None, name: str, default: date) -> date:
    """YYYY-MM-DD within booking_dates' range; `default` when absent."""
    if value in (None, ""):
        return default
    try:
        return booking_dates.parse_date(value)
    except booking_dates.DateInputError as exc:
        raise field_error(name, exc.message, exc.code) from None


def tz_of(request) -> ZoneInfo:
    return ZoneInfo(request.tenant.time_zone)


def iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment else None


def appointment_data(appointment: Appointment, tz: ZoneInfo) -> dict:
    return {
        "reference": appointment.reference,
        "office": appointment.office.slug,
        "service": appointment.service.slug if appointment.service else None,
        "start": iso(appointment.start, tz),
        "end": iso(appointment.end, tz),
        "mode": appointment.mode,
        "status": appointment.status,
    }


def citizen_view(appointment: Appointment, tz: ZoneInfo, token: str) -> dict:
    data = appointment_data(appointment, tz)
    data["name"] = appointment.name
    joinable = (
        appointment.mode == Mode.VIDEO
        and appointment.status in services.JOINABLE
        and selectors.open_video_session(appointment) is not None
    )
    data["join_url"] = (
        f"/appointments/{appointment.reference}/join/?token={token}" if joinable else None
    )
    return data


def citizen_appointment(reference: str, token: str | None) -> Appointment:
    found = selectors.appointment_by_token(reference=reference, token=token or "")
    if found is None:
        raise NotFound
    return found


def request_language(request, explicit: str | None = None) -> str:
    return services.normalise_language(explicit or getattr(request, "LANGUAGE_CODE", "de"))


# --- serializers (input) ----------------------------------------------------------------------


class BookingInput(serializers.Serializer):
    office = serializers.SlugField(max_length=50)
    service = serializers.SlugField(max_length=50)
    start = serializers.CharField(max_length=40)
    mode = serializers.ChoiceField(choices=Mode.choices)
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=["de", "en"], required=False)


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class RescheduleInput(TokenInput):
    start = serializers.CharField(max_length=40)
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)


class BlockInput(serializers.Serializer):
    official = serializers.IntegerField(min_value=1)
    start = serializers.CharField(max_length=40)
    end = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelMessageInput(serializers.Serializer):
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


SlotOutput = inline_serializer(
    "Slot",
    {
        "start": serializers.CharField(),
        "end": serializers.CharField(),
        "mode": serializers.CharField(),
    },
    many=True,
)
AppointmentOutput = inline_serializer(
    "Appointment",
    {
        "reference": serializers.CharField(),
        "office": serializers.CharField(),
        "service": serializers.CharField(),
        "start": serializers.CharField(),
        "end": serializers.CharField(),
        "mode": serializers.CharField(),
        "status": serializers.CharField(),
    },
)
BookedOutput = inline_serializer(
    "Booked",
    {
        "reference": serializers.CharField(),
        "office": serializers.CharField(),
        "service": serializers.CharField(),
        "start": serializers.CharField(),
        "end": serializers.CharField(),
        "mode": serializers.CharField(),
        "status": serializers.CharField(),
        "manage_token": serializers.CharField(),
        "manage_url": serializers.CharField(),
    },
)


# --- citizens ---------------------------------------------------------------------------------


class SlotListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD, default today"),
            OpenApiParameter(
                "to",
                str,
                description="YYYY-MM-DD, default from + 13 days; "
                f"at most {selectors.MAX_RANGE_DAYS} days",
            ),
            OpenApiParameter("service", str),
            OpenApiParameter("mode", str, enum=MODE_CHOICES),
        ],
        responses=SlotOutput,
    )
    def get(self, request, slug: str):
        office = selectors.office_for_booking(slug)
        if office is None:
            raise NotFound
        tz = tz_of(request)
        today = timezone.localtime(timezone.now(), tz).date()
        day_from = parse_day(request.query_params.get("from"), "from", today)
        day_to = parse_day(request.query_params.get("to"), "to", day_from + timedelta(days=13))
        if day_to < day_from:
            raise field_error("to", _("`to` must not be before `from`."), codes.RANGE_REVERSED)
        if (day_to - day_from).days + 1 > selectors.MAX_RANGE_DAYS:
            raise field_error(
                "to",
                _("At most %(days)d days at a time.") % {"days": selectors.MAX_RANGE_DAYS},
                codes.RANGE_TOO_LONG,
            )
        mode = request.query_params.get("mode") or None
        if mode is not None and mode not in MODE_CHOICES:
            raise field_error("mode", _("Use video or in_person."), "invalid_choice")
        service_slug = request.query_params.get("service") or None
        service = selectors.service_for_booking(office, service_slug)
        if service is None:
            if service_slug:
                raise field_error(
                    "service", _("Unknown service for this office."), codes.UNKNOWN_SERVICE
                )
            return Response([])
        slots = selectors.free_slots(
            tenant=request.tenant,
            office=office,
            service=service,
            date_from=day_from,
            date_to=day_to,
            mode=mode,
        )
        return Response(
            [
                {"start": s.start.isoformat(), "end": s.end.isoformat(), "mode": s.mode}
                for s in slots
            ]
        )


class AppointmentCreateApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "booking"

    @extend_schema(request=BookingInput, responses={201: BookedOutput})
    def post(self, request):
        data = BookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        office = selectors.office_for_booking(values["office"])
        if office is None:
            raise field_error("office", _("Unknown office."), codes.UNKNOWN_OFFICE)
        service = selectors.service_for_booking(office, values["service"])
        if service is None:
            raise field_error(
                "service", _("Unknown service for this office."), codes.UNKNOWN_SERVICE
            )
        start = parse_start(values["start"])
        citizen = services.Citizen(
            name=values["name"],
            email=values["email"],
            phone=values.get("phone", ""),
            language=request_language(request, values.get("language")),
        )
        with service_errors():
            result = services.appointment_book(
                tenant=request.tenant,
                office=office,
                service=service,
                start=start,
                mode=values["mode"],
                citizen=citizen,
            )
        body = appointment_data(result.appointment, tz_of(request))
        body["manage_token"] = result.manage_token
        body["manage_url"] = (
            f"{request.tenant.url()}appointments/"
            f"{result.appointment.reference}/?token={result.manage_token}"
        )
        return Response(body, status=status.HTTP_201_CREATED)


class AppointmentDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)], responses=AppointmentOutput
    )
    def get(self, request, reference: str):
        token = request.query_params.get("token", "")
        appointment = citizen_appointment(reference, token)
        return Response(citizen_view(appointment, tz_of(request), token))


class AppointmentCancelApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenInput, responses=AppointmentOutput)
    def post(self, request, reference: str):
        data = TokenInput(data=request.data)
        if not data.is_valid():
            raise NotFound  # a missing token is a wrong token: nothing to see here
        appointment = citizen_appointment(reference, data.validated_data["token"])
        with service_errors():
            appointment = services.appointment_cancel(appointment=appointment)
        return Response(citizen_view(appointment, tz_of(request), data.validated_data["token"]))


class AppointmentRescheduleApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "booking"

    @extend_schema(request=RescheduleInput, responses=AppointmentOutput)
    def post(self, request, reference: str):
        data = RescheduleInput(data=request.data)
        if not data.is_valid():
            if "token" in data.errors:
                raise NotFound  # as for a wrong token
            raise serializers.ValidationError(data.errors)
        values = data.validated_data
        appointment = citizen_appointment(reference, values["token"])
        start = parse_start(values["start"])
        with service_errors():
            moved = services.appointment_reschedule(
                tenant=request.tenant,
                appointment=appointment,
                start=start,
                mode=values.get("mode"),
                manage_token=values["token"],
            )
        return Response(citizen_view(moved, tz_of(request), values["token"]))


# --- staff ------------------------------------------------------------------------------------


def day_plan_item(appointment: Appointment, tz: ZoneInfo, session) -> dict:
    """One row of the day plan in the staff console's shape (`dayplan.DayPlanEntry`), plus
    what the API adds: reference, official, phone, the reason of a block, the host link."""
    is_block = appointment.kind == Appointment.Kind.BLOCK
    entry = DayPlanEntry(
        kind=BLOCK if is_block else APPOINTMENT,
        start=appointment.start.astimezone(tz),
        end=appointment.end.astimezone(tz),
        mode=appointment.mode,
        status=appointment.status,
        office=appointment.office,
        service=appointment.service,
        label=appointment.reference,
        name="" if is_block else appointment.name,
        appointment=appointment,
        mail_failed=getattr(appointment, "mail_failed", None),
    )
    user = appointment.official.user
    return {
        **entry.as_dict(),
        "reference": appointment.reference,
        "official": {"id": appointment.official_id, "name": user.full_name or user.email},
        "office_name": appointment.office.name,
        "phone": "" if is_block else appointment.phone,
        "reason": appointment.note if is_block else "",
        "host_url": session.host_url if session is not None else None,
    }


class StaffDayPlanApi(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="YYYY-MM-DD"),
            OpenApiParameter("office", str),
        ],
        responses=inline_serializer(
            "DayPlanEntry",
            {
                "kind": serializers.CharField(),
                "start": serializers.CharField(),
                "end": serializers.CharField(),
                "mode": serializers.CharField(),
                "status": serializers.CharField(),
                "office": serializers.CharField(),
                "service": serializers.CharField(allow_null=True),
                "label": serializers.CharField(),
                "reference": serializers.CharField(),
                "name": serializers.CharField(),
                "reason": serializers.CharField(),
                "host_url": serializers.CharField(allow_null=True),
                "mail_failed": serializers.ChoiceField(
                    choices=AppointmentMail.Kind.choices,
                    allow_null=True,
                    help_text="The last mail to the citizen about this appointment finally "
                    "failed (its kind): the citizen was not reached. Null otherwise.",
                ),
            },
            many=True,
        ),
    )
    def get(self, request):
        tz = tz_of(request)
        day = parse_day(
            request.query_params.get("date"), "date", timezone.localtime(timezone.now(), tz).date()
        )
        entries = selectors.day_plan(
            user=request.user,
            day=day,
            tz=tz,
            office_slug=request.query_params.get("office") or None,
        )
        return Response([day_plan_item(a, tz, session) for a, session in entries])


def staff_appointment(request, reference: str) -> Appointment:
    appointment = selectors.appointment_by_reference(reference)
    if appointment is None:
        raise NotFound
    if not selectors.staff_offices(request.user).filter(pk=appointment.office_id).exists():
        raise ApiError(
            _("You are not staff of this office."),
            codes.NOT_STAFF_OF_OFFICE,
            status.HTTP_403_FORBIDDEN,
        )
    return appointment


class StaffNoShowApi(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(request=None, responses=AppointmentOutput)
    def post(self, request, reference: str):
        appointment = staff_appointment(request, reference)
        appointment = services.appointment_mark_no_show(
            appointment=appointment, acting_user=request.user
        )
        return Response(appointment_data(appointment, tz_of(request)))


# --- municipal admin --------------------------------------------------------------------------


class AdminBlockApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(
        request=BlockInput,
        responses={
            201: inline_serializer(
                "Block",
                {
                    "reference": serializers.CharField(),
                    "official": serializers.IntegerField(),
                    "office": serializers.CharField(),
                    "start": serializers.CharField(),
                    "end": serializers.CharField(),
                    "reason": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        data = BlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        official = StaffMember.objects.filter(pk=values["official"]).first()
        if official is None:
            raise field_error("official", _("Unknown official."), codes.UNKNOWN_OFFICIAL)
        start, end = parse_start(values["start"]), parse_start(values["end"], "end")
        with service_errors():
            block = services.appointment_block(
                official=official,
                start=start,
                end=end,
                reason=values["reason"],
                acting_user=request.user,
            )
        tz = tz_of(request)
        return Response(
            {
                "reference": block.reference,
                "official": block.official_id,
                "office": block.office.slug,
                "start": iso(block.start, tz),
                "end": iso(block.end, tz),
                "reason": block.note,
            },
            status=status.HTTP_201_CREATED,
        )


class AdminCancelApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(request=CancelMessageInput, responses=AppointmentOutput)
    def post(self, request, reference: str):
        appointment = selectors.appointment_by_reference(reference)
        if appointment is None:
            raise NotFound
        data = CancelMessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            appointment = services.appointment_cancel(
                appointment=appointment,
                acting_user=request.user,
                message=data.validated_data["message"],
            )
        return Response(appointment_data(appointment, tz_of(request)))
