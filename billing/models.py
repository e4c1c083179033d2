"""The vendor's billing of each municipality (public schema): its account with the Stripe
customer and subscription, the Stripe events received, the invoices and the usage reported."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.plans import DEFAULT_PLAN, Plan


class BillingAccount(models.Model):
    class Interval(models.TextChoices):
        MONTH = "month", _("monthly")
        YEAR = "year", _("yearly")

    class SyncState(models.TextChoices):
        # Recorded by onboarding; the Stripe customer and subscription are being created.
        PENDING = "pending", _("Billing pending")
        SYNCED = "synced", _("Billing set up")
        # The retries ran out (or Stripe refused): visible in the vendor console, retriable.
        FAILED = "failed", _("Billing set-up failed")

    municipality = models.OneToOneField(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="billing_account"
    )
    plan = models.CharField(max_length=20, choices=Plan.choices, default=DEFAULT_PLAN)
    interval = models.CharField(max_length=5, choices=Interval.choices, default=Interval.MONTH)
    # Offices contracted (the quantity of a per-office plan).
    quantity = models.PositiveIntegerField(default=1)
    billing_email = models.EmailField(blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="DE")
    vat_id = models.CharField(max_length=20, blank=True)
    leitweg_id = models.CharField(max_length=46, blank=True)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    # Stripe's own subscription status (active, past_due, incomplete, canceled, …).
    subscription_status = models.CharField(max_length=30, blank=True)
    sync_state = models.CharField(
        max_length=10, choices=SyncState.choices, default=SyncState.PENDING
    )
    sync_error = models.TextField(blank=True)
    sync_attempts = models.PositiveIntegerField(default=0)
    # A worker holds the account while it talks to Stripe (claimed with a conditional UPDATE).
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # Set when an invoice went unpaid (the municipality is past_due); the grace period runs
    # from here. Cleared when the invoices are paid.
    past_due_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
                name="billing_account_unique_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="billing_account_quantity_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["past_due_since"],
                condition=models.Q(past_due_since__isnull=False),
                name="billing_account_past_due",
            ),
            models.Index(
                fields=["sync_state"],
                condition=~models.Q(sync_state="synced"),
                name="billing_account_unsynced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.plan}"


class StripeEvent(models.Model):
    """Every webhook event, stored once by its id: a replay finds the row and changes nothing."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("received")
        APPLIED = "applied", _("applied")
        IGNORED = "ignored", _("ignored")
        FAILED = "failed", _("failed")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    account = models.ForeignKey(
        BillingAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RECEIVED)
    detail = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class Invoice(models.Model):
    """Our copy of a Stripe invoice, refreshed from Stripe on every invoice event, with its
    XRechnung (CII) document once finalised."""

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="invoices")
    stripe_invoice_id = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, default="eur")
    subtotal_cents = models.BigIntegerField(default=0)
    tax_cents = models.BigIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)
    amount_due_cents = models.BigIntegerField(default=0)
    amount_paid_cents = models.BigIntegerField(default=0)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    # Stripe told us it went unpaid (payment failed or overdue) and it is still open.
    overdue = models.BooleanField(default=False)
    xrechnung_xml = models.BinaryField(blank=True, default=b"", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-finalized_at", "-id"]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def has_xrechnung(self) -> bool:
        return bool(self.xrechnung_xml)


class UsageReport(models.Model):
    """Video usage of one municipality in one month, reported to Stripe as invoice items.
    One row per account and month (unique): a rerun finds it and bills nothing twice."""

    account = models.ForeignKey(
        BillingAccount, on_delete=models.CASCADE, related_name="usage_reports"
    )
    month = models.DateField(help_text="First day of the month (Europe/Berlin).")
    sessions = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)
    stripe_invoice_item_ids = models.JSONField(default=list, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="usage_report_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"
