"""Offices, their services, opening hours, closures, local holidays and staff presence.

Opening hours are local wall-clock times of the municipality's time zone; everything else
that is a moment is stored aware, in UTC.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")


class Office(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address = models.TextField(_("address"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    video_enabled = models.BooleanField(_("video consultations"), default=True)
    waiting_room_capacity = models.PositiveIntegerField(
        _("waiting room capacity"), default=20, validators=[MaxValueValidator(500)]
    )
    booking_horizon_days = models.PositiveIntegerField(
        _("booking horizon (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    min_lead_minutes = models.PositiveIntegerField(
        _("minimum lead time (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    ticket_prefix = models.CharField(_("ticket prefix"), max_length=3, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return (self.ticket_prefix or self.name[:1] or "A").upper()


class Service(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="services")
    slug = models.SlugField(_("slug"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    offers_in_person = models.BooleanField(_("in person"), default=True)
    offers_video = models.BooleanField(_("by video"), default=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "slug"], name="service_slug_unique_per_office"
            ),
            models.CheckConstraint(
                condition=Q(offers_in_person=True) | Q(offers_video=True),
                name="service_offers_some_mode",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def modes(self) -> list[str]:
        return [
            m
            for m, on in ((Mode.IN_PERSON, self.offers_in_person), (Mode.VIDEO, self.offers_video))
            if on
        ]


class OpeningWindow(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="opening_windows")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="window_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class Closure(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="closure_start_not_after_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.reason}"


class LocalHoliday(models.Model):
    """A municipality's own day off (e.g. a local feast), on top of the state's holidays."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class StaffMember(models.Model):
    class Presence(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("Busy")
        AWAY = "away", _("Away")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    offices = models.ManyToManyField(Office, related_name="staff", blank=True)
    services = models.ManyToManyField(Service, related_name="staff", blank=True)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.AWAY)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return str(self.user)
