"""The waiting room (queue tickets) and appointments of one municipality.

Personal data (name, e-mail, phone) is optional on tickets, needed on appointments, and
removed by `purge_personal_data` after the municipality's retention period.
"""

from __future__ import annotations

import hashlib

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from offices.models import Mode, Office, Service, StaffMember


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TicketCounter(models.Model):
    """Last number handed out per office and local day: numbers are never reused in a day."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="one_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}: {self.last}"


class Ticket(models.Model):
    # Its video sessions name it so (videoconf.models.VideoSession.subject_kind).
    VIDEO_SUBJECT = "ticket"

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        IN_SESSION = "in_session", _("In session")
        DONE = "done", _("Done")
        LEFT = "left", _("Left")
        EXPIRED = "expired", _("Expired")
        NO_SHOW = "no_show", _("No-show")

    ACTIVE = (Status.WAITING, Status.CALLED, Status.IN_SESSION)

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="tickets")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    day = models.DateField(help_text="local date the number belongs to")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="de")
    official = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    call_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    # The citizen opened the video (our join link or the provider's webhook): stops the
    # no-show timer without changing the status.
    joined_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the ticket reached its final state (done, left, no_show or expired).
    finished_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "sequence"], name="ticket_number_unique_per_office_day"
            ),
        ]
        indexes = [models.Index(fields=["office", "status", "created_at"])]

    def __str__(self) -> str:
        return self.number


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the constraint


class Appointment(models.Model):
    # Its video sessions name it so (videoconf.models.VideoSession.subject_kind).
    VIDEO_SUBJECT = "appointment"

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        IN_SESSION = "in_session", _("In session")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("Appointment")
        BLOCK = "block", _("Blocked time")

    # Rows in these states hold the official's time; the exclusion constraint below makes a
    # double booking impossible in the database itself.
    HOLDING = (Status.BOOKED, Status.IN_SESSION, Status.DONE)

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.APPOINTMENT)
    reference = models.CharField(max_length=16, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    official = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="appointments")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_until = models.DateTimeField(help_text="end plus buffer: the time the official is held")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="de")
    note = models.CharField(max_length=500, blank=True)
    manage_token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="appointment_start_before_end"
            ),
            ExclusionConstraint(
                name="appointment_no_double_booking",
                expressions=[
                    ("official", RangeOperators.EQUAL),
                    (TsTzRange("start", "blocked_until"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "in_session", "done"]),
            ),
        ]
        indexes = [
            models.Index(fields=["office", "start"]),
            models.Index(fields=["official", "start"]),
        ]

    def __str__(self) -> str:
        return self.reference


class AppointmentMail(models.Model):
    """One mail to the citizen about an appointment, and whether the mail server took it.

    Mails go out through a Celery task with retries (`scheduling.booking_tasks`); a mail
    that finally failed stays `failed`, and the staff's day plan says the citizen was not
    reached. No personal data here: the address is the appointment's, the text comes from
    the templates, and `error` holds only the error's type and SMTP code."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        RESCHEDULED = "rescheduled", _("Change of appointment")
        CANCELLATION = "cancellation", _("Cancellation")
        REMINDER = "reminder", _("Reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appointment", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.appointment_id})"
