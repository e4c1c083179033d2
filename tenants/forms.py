from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Municipality, State
from tenants.plans import DEFAULT_PLAN, Plan


class OnboardingForm(forms.Form):
    slug = forms.CharField(
        label=_("Slug (subdomain and schema)"),
        max_length=63,
        help_text=_("e.g. burglengenfeld: lower-case letters, digits, hyphens"),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    state = forms.ChoiceField(label=_("State"), choices=State.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Municipality.Kind.choices)
    domains = forms.CharField(
        label=_("Additional domains"),
        required=False,
        help_text=_("One per line, e.g. buergerbuero.burglengenfeld.de"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    admin_email = forms.EmailField(label=_("Administrator e-mail"))
    plan = forms.ChoiceField(label=_("Plan"), choices=Plan.choices, initial=DEFAULT_PLAN)

    def domain_list(self) -> list[str]:
        return [d.strip() for d in self.cleaned_data.get("domains", "").split() if d.strip()]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Municipality.Status.choices)
