from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "tenant": getattr(request, "tenant", None),
        "platform_domain": settings.PLATFORM_DOMAIN,
    }
