"""The vendor's pages on the public host: product page and vendor console."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants import selectors, services
from tenants.forms import OnboardingForm, StatusForm

vendor_required = user_passes_test(
    lambda u: u.is_authenticated and u.is_vendor, login_url="/platform/login/"
)


def product_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/product.html")


class VendorLoginView(LoginView):
    template_name = "account/login.html"
    redirect_authenticated_user = True
    next_page = "/platform/"

    def form_valid(self, form):
        if not form.get_user().is_vendor:
            form.add_error(None, _("This account may not use the vendor console."))
            return self.form_invalid(form)
        return super().form_valid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")


@vendor_required
def console(request: HttpRequest) -> HttpResponse:
    return render(
        request, "platform/console.html", {"municipalities": selectors.municipality_list()}
    )


@vendor_required
def onboard(request: HttpRequest) -> HttpResponse:
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant = services.municipality_onboard(
                data=services.OnboardingInput(
                    slug=data["slug"],
                    name=data["name"],
                    state=data["state"],
                    kind=data["kind"],
                    domains=form.domain_list(),
                    admin_email=data["admin_email"],
                    plan=data["plan"],
                ),
                acting_user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                _("%(name)s is live at %(url)s. The administrator got an e-mail to set a password.")
                % {"name": tenant.name, "url": tenant.url()},
            )
            return redirect("vendor-municipality", slug=tenant.schema_name)
    return render(
        request, "platform/onboard.html", {"form": form}, status=400 if form.errors else 200
    )


@vendor_required
def municipality_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = selectors.municipality_get(slug=slug)
    if tenant is None:
        raise Http404
    form = StatusForm(request.POST or None, initial={"status": tenant.status})
    if request.method == "POST" and form.is_valid():
        services.municipality_update(
            municipality=tenant, acting_user=request.user, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Status saved."))
        return redirect("vendor-municipality", slug=slug)
    return render(request, "platform/municipality.html", {"m": tenant, "form": form})
