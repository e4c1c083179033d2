"""Billing API. Vendor (public host): accounts, MRR, one municipality's billing, its billing
details, retrying a failed set-up, e-invoices. Municipal admins (tenant host): their own
plan and invoices, read-only. BillingErrors become 4xx JSON {detail, code[, field]}."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services, tasks
from billing.error_codes import BillingErrorCode
from billing.errors import BillingError
from billing.models import BillingAccount, Invoice
from billing.plans import CATALOGUE
from billing.views import xml_response
from platform_core.errors import ApiError
from platform_core.permissions import IsMunicipalAdmin, IsVendorStaff

# The API edge's one mapping of billing's codes to HTTP statuses (anything else: 400).
STATUS_OF = {
    BillingErrorCode.STRIPE_NOT_CONFIGURED: status.HTTP_409_CONFLICT,
    BillingErrorCode.STRIPE_UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    BillingErrorCode.STRIPE_REJECTED: status.HTTP_502_BAD_GATEWAY,
    BillingErrorCode.EINVOICE_NOT_AVAILABLE: status.HTTP_404_NOT_FOUND,
}


@contextmanager
def billing_errors() -> Iterator[None]:
    try:
        yield
    except BillingError as exc:
        raise ApiError(
            exc.message,
            exc.code,
            status_code=STATUS_OF.get(exc.code, status.HTTP_400_BAD_REQUEST),
            extra={"field": exc.field} if exc.field else None,
        ) from exc


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stripe_invoice_id = serializers.CharField()
    number = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    total_cents = serializers.IntegerField()
    tax_cents = serializers.IntegerField()
    amount_due_cents = serializers.IntegerField()
    amount_paid_cents = serializers.IntegerField()
    period_start = serializers.DateTimeField(allow_null=True)
    period_end = serializers.DateTimeField(allow_null=True)
    finalized_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    has_xrechnung = serializers.BooleanField()


class UsageSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    minutes = serializers.IntegerField()


class AccountSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="municipality.schema_name")
    name = serializers.CharField(source="municipality.name")
    municipality_status = serializers.CharField(source="municipality.status")
    plan = serializers.CharField()
    plan_name = serializers.SerializerMethodField()
    interval = serializers.CharField()
    quantity = serializers.IntegerField()
    sync_state = serializers.CharField()
    sync_error = serializers.CharField()
    subscription_status = serializers.CharField()
    stripe_customer_id = serializers.CharField()
    stripe_subscription_id = serializers.CharField()
    past_due_since = serializers.DateTimeField(allow_null=True)
    open_invoices = serializers.IntegerField(source="open_count")
    open_cents = serializers.IntegerField()
    paid_invoices = serializers.IntegerField(source="paid_count")
    paid_cents = serializers.IntegerField()

    def get_plan_name(self, account: BillingAccount) -> str:
        definition = CATALOGUE.get(account.plan)
        return definition.name if definition else account.plan


class AccountDetailSerializer(AccountSerializer):
    billing_email = serializers.EmailField()
    address_line1 = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    vat_id = serializers.CharField()
    leitweg_id = serializers.CharField()
    invoices = serializers.SerializerMethodField()
    usage_this_month = serializers.SerializerMethodField()

    def get_invoices(self, account: BillingAccount) -> list[dict]:
        return InvoiceSerializer(selectors.invoice_list(account=account), many=True).data

    def get_usage_this_month(self, account: BillingAccount) -> dict:
        return UsageSerializer(selectors.usage_this_month(account=account)).data


class BillingDetailsSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    address_line1 = serializers.CharField(required=False, allow_blank=True, max_length=200)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=10)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    vat_id = serializers.CharField(required=False, allow_blank=True, max_length=20)
    leitweg_id = serializers.CharField(required=False, allow_blank=True, max_length=46)


class MrrRowSerializer(serializers.Serializer):
    plan = serializers.CharField()
    plan_name = serializers.CharField()
    state = serializers.CharField()
    subscriptions = serializers.IntegerField()
    mrr_cents = serializers.IntegerField()


class MrrSerializer(serializers.Serializer):
    rows = MrrRowSerializer(many=True)
    total_cents = serializers.IntegerField()


def _vendor_account(slug: str) -> BillingAccount:
    account = selectors.billing_account_get(slug=slug)
    if account is None:
        raise Http404
    return account


def _xml(invoice: Invoice | None, slug: str) -> HttpResponse:
    if invoice is None:
        raise Http404
    if not invoice.has_xrechnung:
        raise ApiError(
            _("This invoice is not finalised yet; it has no e-invoice."),
            BillingErrorCode.EINVOICE_NOT_AVAILABLE,
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return xml_response(invoice, slug)


class VendorBillingListApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(responses=AccountSerializer(many=True))
    def get(self, request):
        return Response(AccountSerializer(selectors.billing_account_list(), many=True).data)


class VendorMrrApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(responses=MrrSerializer)
    def get(self, request):
        rows, total = selectors.mrr_table()
        return Response(MrrSerializer({"rows": rows, "total_cents": total}).data)


class VendorBillingDetailApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(responses=AccountDetailSerializer)
    def get(self, request, slug: str):
        return Response(AccountDetailSerializer(_vendor_account(slug)).data)

    @extend_schema(request=BillingDetailsSerializer, responses=AccountDetailSerializer)
    def patch(self, request, slug: str):
        account = _vendor_account(slug)
        payload = BillingDetailsSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        with billing_errors():
            services.billing_details_update(
                account=account, acting_user=request.user, details=payload.validated_data
            )
        transaction.on_commit(lambda: tasks.enqueue_customer_push(account.pk))
        return Response(AccountDetailSerializer(_vendor_account(slug)).data)


class VendorBillingRetryApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(request=None, responses={202: AccountSerializer})
    def post(self, request, slug: str):
        account = _vendor_account(slug)
        services.billing_account_retry(account=account, acting_user=request.user)
        transaction.on_commit(lambda: tasks.enqueue_sync(account.pk))
        return Response(
            AccountSerializer(_vendor_account(slug)).data, status=status.HTTP_202_ACCEPTED
        )


class VendorInvoiceXmlApi(APIView):
    permission_classes = [IsVendorStaff]

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    def get(self, request, slug: str, invoice_id: int):
        account = _vendor_account(slug)
        return _xml(selectors.invoice_get(account=account, invoice_id=invoice_id), slug)


class AdminAccountSerializer(serializers.Serializer):
    plan = serializers.CharField()
    plan_name = serializers.SerializerMethodField()
    interval = serializers.CharField()
    quantity = serializers.IntegerField()
    subscription_status = serializers.CharField()
    municipality_status = serializers.CharField(source="municipality.status")
    past_due_since = serializers.DateTimeField(allow_null=True)
    invoices = serializers.SerializerMethodField()

    def get_plan_name(self, account: BillingAccount) -> str:
        definition = CATALOGUE.get(account.plan)
        return definition.name if definition else account.plan

    def get_invoices(self, account: BillingAccount) -> list[dict]:
        return InvoiceSerializer(selectors.invoice_list(account=account), many=True).data


def _admin_account(request) -> BillingAccount:
    account = selectors.billing_account_for(municipality=request.tenant)
    if account is None:
        raise Http404
    return account


class AdminBillingApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses=AdminAccountSerializer)
    def get(self, request):
        return Response(AdminAccountSerializer(_admin_account(request)).data)


class AdminInvoiceXmlApi(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    def get(self, request, invoice_id: int):
        account = _admin_account(request)
        return _xml(
            selectors.invoice_get(account=account, invoice_id=invoice_id),
            account.municipality.schema_name,
        )
