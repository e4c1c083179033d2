from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import BillingAccount


class BillingDetailsForm(forms.Form):
    email = forms.EmailField(label=_("Billing e-mail"), required=False)
    address_line1 = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Post code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    vat_id = forms.CharField(label=_("VAT ID"), max_length=20, required=False)
    leitweg_id = forms.CharField(
        label=_("Leitweg-ID"),
        max_length=46,
        required=False,
        help_text=_("The address for e-invoices (XRechnung), e.g. 04011000-1234512345-06"),
    )

    @classmethod
    def for_account(cls, account: BillingAccount, data=None) -> "BillingDetailsForm":
        return cls(
            data,
            initial={
                "email": account.billing_email,
                "address_line1": account.address_line1,
                "postal_code": account.postal_code,
                "city": account.city,
                "vat_id": account.vat_id,
                "leitweg_id": account.leitweg_id,
            },
        )
