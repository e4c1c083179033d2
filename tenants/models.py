"""Municipalities (one PostgreSQL schema each) and the host names they answer on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class State(models.TextChoices):
    """The 16 Länder, by their ISO 3166-2:DE codes (as the `holidays` library names them)."""

    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class Municipality(TenantMixin):
    class Kind(models.TextChoices):
        TOWN = "town", _("Town")
        COUNTY = "county", _("County")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        SUSPENDED = "suspended", _("Suspended")

    # The schema is created by tenants.services.municipality_onboard inside its transaction.
    auto_create_schema = False
    auto_drop_schema = True

    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(_("state"), max_length=2, choices=State.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    data_retention_days = models.PositiveIntegerField(_("data retention (days)"), default=30)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> None:
        """Copy the template schema when it exists (tenants.schema_clone: cost independent of
        the number of municipalities). The copy includes the template's migration records,
        so django-tenants' extra `migrate --fake` pass is skipped."""
        from django.db import connection, transaction
        from django_tenants.utils import schema_exists

        from tenants.schema_clone import clone_schema_fast

        base = settings.TENANT_BASE_SCHEMA
        if not sync_schema or not schema_exists(base):
            super().create_schema(check_if_exists, sync_schema, verbosity)
            return
        if check_if_exists and schema_exists(self.schema_name):
            return
        connection.set_schema_to_public()
        try:
            with transaction.atomic():
                clone_schema_fast(base, self.schema_name)
        finally:
            connection.set_schema_to_public()  # django-tenants sets search_path afresh

    def primary_domain_name(self) -> str:
        domain = next((d for d in self.domains.all() if d.is_primary), None)
        return domain.domain if domain else f"{self.schema_name}.{settings.PLATFORM_DOMAIN}"

    def url(self) -> str:
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        return f"{settings.PLATFORM_SCHEME}://{self.primary_domain_name()}{port}/"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain
