from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Abrechnung")

    def ready(self) -> None:
        from billing.receivers import on_municipality_onboarded
        from tenants.events import municipality_onboarded

        municipality_onboarded.connect(on_municipality_onboarded, dispatch_uid="billing-onboarded")
