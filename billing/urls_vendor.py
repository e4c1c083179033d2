"""The vendor's billing console and API (public host)."""

from django.urls import path

from billing import apis, views

urlpatterns = [
    path("platform/billing/", views.vendor_overview, name="billing-vendor"),
    path("platform/billing/<slug:slug>/", views.vendor_account, name="billing-vendor-account"),
    path(
        "platform/billing/<slug:slug>/invoices/<int:invoice_id>/xrechnung.xml",
        views.vendor_invoice_xml,
        name="billing-vendor-invoice-xml",
    ),
    path("api/platform/billing/", apis.VendorBillingListApi.as_view(), name="api-billing"),
    path("api/platform/billing/mrr/", apis.VendorMrrApi.as_view(), name="api-billing-mrr"),
    path(
        "api/platform/municipalities/<slug:slug>/billing/",
        apis.VendorBillingDetailApi.as_view(),
        name="api-municipality-billing",
    ),
    path(
        "api/platform/municipalities/<slug:slug>/billing/retry/",
        apis.VendorBillingRetryApi.as_view(),
        name="api-municipality-billing-retry",
    ),
    path(
        "api/platform/municipalities/<slug:slug>/billing/invoices/<int:invoice_id>/xrechnung/",
        apis.VendorInvoiceXmlApi.as_view(),
        name="api-municipality-invoice-xml",
    ),
]
