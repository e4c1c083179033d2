"""Billing pages: the Stripe webhook (public host), the vendor's billing console (public host)
and a municipality's read-only billing page for its admins (tenant host). Thin: parse, call a
service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors, services, tasks
from billing.errors import BillingError
from billing.forms import BillingDetailsForm
from billing.models import BillingAccount, Invoice
from tenants.views import vendor_required

PAGE_SIZE = 50


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """POST /webhooks/stripe/ (public host): verify the signature on the raw body, store the
    event once, process it in Celery after the commit. 400 on a bad signature or body."""
    if request.tenant is not None:
        raise Http404
    try:
        event, created = services.stripe_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except BillingError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=400)
    if created or event.outcome in (event.Outcome.RECEIVED, event.Outcome.FAILED):
        transaction.on_commit(lambda: tasks.enqueue_event(event.event_id))
    return JsonResponse({"received": event.event_id, "duplicate": not created})


def xml_response(invoice: Invoice, slug: str) -> HttpResponse:
    """The invoice's XRechnung as a download (404 before it is finalised)."""
    if not invoice.has_xrechnung:
        raise Http404
    response = HttpResponse(bytes(invoice.xrechnung_xml), content_type="application/xml")
    name = f"xrechnung-{slug}-{invoice.number or invoice.stripe_invoice_id}.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- vendor console (public host) ------------------------------------------------------------


@vendor_required
def vendor_overview(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.billing_account_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(account, selectors.usage_this_month(account=account)) for account in page]
    mrr_rows, mrr_total = selectors.mrr_table()
    return render(
        request,
        "billing/vendor_overview.html",
        {"page": page, "rows": rows, "mrr_rows": mrr_rows, "mrr_total": mrr_total},
    )


def _vendor_account(slug: str) -> BillingAccount:
    account = selectors.billing_account_get(slug=slug)
    if account is None:
        raise Http404
    return account


@vendor_required
@require_http_methods(["GET", "POST"])
def vendor_account(request: HttpRequest, slug: str) -> HttpResponse:
    account = _vendor_account(slug)
    form = BillingDetailsForm.for_account(account, request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "retry":
        services.billing_account_retry(account=account, acting_user=request.user)
        transaction.on_commit(lambda: tasks.enqueue_sync(account.pk))
        messages.success(request, _("Billing set-up is being retried."))
        return redirect("billing-vendor-account", slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.billing_details_update(
                account=account, acting_user=request.user, details=form.cleaned_data
            )
        except BillingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 400
        else:
            transaction.on_commit(lambda: tasks.enqueue_customer_push(account.pk))
            messages.success(request, _("Billing details saved."))
            return redirect("billing-vendor-account", slug=slug)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "billing/vendor_account.html",
        {
            "account": account,
            "m": account.municipality,
            "form": form,
            "invoices": selectors.invoice_list(account=account),
            "usage": selectors.usage_this_month(account=account),
            "events": selectors.stripe_event_list(account=account),
        },
        status=status,
    )


@vendor_required
def vendor_invoice_xml(request: HttpRequest, slug: str, invoice_id: int) -> HttpResponse:
    account = _vendor_account(slug)
    invoice = selectors.invoice_get(account=account, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return xml_response(invoice, slug)


# --- the municipality's admins (tenant host) --------------------------------------------------


def _admin_account(request: HttpRequest) -> BillingAccount:
    if request.tenant is None or not request.user.is_municipal_admin:
        raise PermissionDenied
    account = selectors.billing_account_for(municipality=request.tenant)
    if account is None:
        raise Http404
    return account


@never_cache
@login_required
@require_GET
def admin_billing(request: HttpRequest) -> HttpResponse:
    """Read-only: the municipality's plan, subscription and invoices with their XRechnung."""
    account = _admin_account(request)
    return render(
        request,
        "billing/admin_billing.html",
        {
            "account": account,
            "invoices": selectors.invoice_list(account=account),
            "usage": selectors.usage_this_month(account=account),
        },
    )


@login_required
def admin_invoice_xml(request: HttpRequest, invoice_id: int) -> HttpResponse:
    account = _admin_account(request)
    invoice = selectors.invoice_get(account=account, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return xml_response(invoice, account.municipality.schema_name)
