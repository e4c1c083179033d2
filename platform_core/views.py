from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST


class TenantLoginView(LoginView):
    template_name = "account/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        if form.get_user().role not in ("admin", "staff"):
            form.add_error(None, _("Dieses Konto gehört nicht zu dieser Kommune."))
            return self.form_invalid(form)
        return super().form_valid(form)

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        return "/admin/" if getattr(user, "role", "") == "admin" else "/staff/"


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")
