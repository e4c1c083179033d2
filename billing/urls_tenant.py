"""A municipality's host: its admins' read-only billing page and API."""

from django.urls import path

from billing import apis, views

urlpatterns = [
    path("staff/billing/", views.admin_billing, name="billing-admin"),
    path(
        "staff/billing/invoices/<int:invoice_id>/xrechnung.xml",
        views.admin_invoice_xml,
        name="billing-admin-invoice-xml",
    ),
    path("api/admin/billing/", apis.AdminBillingApi.as_view(), name="api-admin-billing"),
    path(
        "api/admin/billing/invoices/<int:invoice_id>/xrechnung/",
        apis.AdminInvoiceXmlApi.as_view(),
        name="api-admin-invoice-xml",
    ),
]
