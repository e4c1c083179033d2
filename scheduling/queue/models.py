"""The waiting room's data: tickets and the per-office daily number counter.

Personal data (name, e-mail, phone) is optional on tickets and removed by
`purge_personal_data` after the municipality's retention period. The tables keep their
`scheduling_*` names from before the app was split off (a state-only move, issue 10).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from offices.models import Mode, Office, Service, StaffMember
from platform_core.crypto import hash_secret

__all__ = ["Ticket", "TicketCounter", "hash_secret"]


class TicketCounter(models.Model):
    """Last number handed out per office and local day: numbers are never reused in a day."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "scheduling_ticketcounter"  # the table predates the app (issue 10)
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="one_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}: {self.last}"


class Ticket(models.Model):
    # Its video sessions name it so (videoconf.models.VideoSession.subject_kind).
    VIDEO_SUBJECT = "ticket"
    # Audit rows keep the name they had before the model moved to this app.
    audit_object_type = "scheduling.ticket"

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
        db_table = "scheduling_ticket"  # the table predates the app (issue 10)
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "sequence"], name="ticket_number_unique_per_office_day"
            ),
        ]
        indexes = [models.Index(fields=["office", "status", "created_at"])]

    def __str__(self) -> str:
        return self.number
