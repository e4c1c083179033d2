"""Stable error codes of the billing app; the API returns them as `code`."""

from __future__ import annotations

from enum import StrEnum


class BillingErrorCode(StrEnum):
    LEITWEG_ID_INVALID = "leitweg_id_invalid"
    BILLING_FIELD_UNKNOWN = "billing_field_unknown"
    BILLING_EMAIL_INVALID = "billing_email_invalid"
    VAT_ID_INVALID = "vat_id_invalid"
    POSTAL_CODE_INVALID = "postal_code_invalid"
    STRIPE_NOT_CONFIGURED = "stripe_not_configured"
    STRIPE_UNAVAILABLE = "stripe_unavailable"
    STRIPE_REJECTED = "stripe_rejected"
    SIGNATURE_INVALID = "signature_invalid"
    PAYLOAD_INVALID = "payload_invalid"
    PLANS_MISSING = "plans_missing"
    MONTH_INVALID = "month_invalid"
    EINVOICE_NOT_AVAILABLE = "einvoice_not_available"
