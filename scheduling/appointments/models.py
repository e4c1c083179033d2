"""Appointments of one municipality and the mails about them.

Personal data (name, e-mail, phone) is needed on appointments and removed by
`purge_personal_data` after the municipality's retention period. The tables keep their
`scheduling_*` names from before the app was split off (a state-only move, issue 10).
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offices.models import Mode, Office, Service, StaffMember
from platform_core.crypto import hash_secret
from platform_core.db import TsTzRange

__all__ = ["Appointment", "AppointmentMail", "hash_secret"]


class Appointment(models.Model):
    # Its video sessions name it so (videoconf.models.VideoSession.subject_kind).
    VIDEO_SUBJECT = "appointment"
    # Audit rows keep the name they had before the model moved to this app.
    audit_object_type = "scheduling.appointment"

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
        db_table = "scheduling_appointment"  # the table predates the app (issue 10)
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

    Mails go out through a Celery task with retries (`scheduling.appointments.mail_tasks`); a mail
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
        db_table = "scheduling_appointmentmail"  # the table predates the app (issue 10)
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appointment", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.appointment_id})"
