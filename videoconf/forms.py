"""The admins' settings form (server-rendered, works without JavaScript)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from videoconf.models import VideoIntegration

_KEEP = _("Leer lassen, um den gespeicherten Wert zu behalten.")


def _secret(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=f"{help_text} {_KEEP}".strip(),
    )


class VideoIntegrationForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Anbieter"), choices=VideoIntegration.Provider.choices, widget=forms.RadioSelect
    )
    client_id = forms.CharField(label=_("Client-ID"), required=False, max_length=200)
    client_secret = _secret(_("Client-Secret"))
    refresh_token = _secret(
        _("Refresh-Token"), _("Aus der Autorisierung der Service App bzw. Integration.")
    )
    access_token = _secret(
        _("Access-Token (optional)"), _("Nur nötig, wenn kein Refresh-Token vorliegt.")
    )
    host_email = forms.EmailField(
        label=_("Gastgeber-E-Mail"),
        required=False,
        help_text=_("Das Webex-Konto, in dessen Namen die Beratungen stattfinden."),
    )
    site_url = forms.CharField(
        label=_("Webex-Site"),
        required=False,
        max_length=200,
        help_text=_("z. B. musterstadt.webex.com"),
    )
    webhook_secret = _secret(
        _("Webhook-Secret"), _("Wird automatisch erzeugt, wenn keines gesetzt ist.")
    )
    api_base = forms.URLField(
        label=_("API-Adresse (optional)"),
        required=False,
        assume_scheme="https",
        help_text=_("Leer = https://webexapis.com/v1"),
    )
