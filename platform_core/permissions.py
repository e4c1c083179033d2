"""Who may do what, given the host the request came to."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


def _user(request):
    user = request.user
    return user if user and user.is_authenticated and user.is_active else None


class IsVendorStaff(BasePermission):
    """Vendor staff, on the vendor's public host only."""

    def has_permission(self, request, view) -> bool:
        user = _user(request)
        return bool(user and request.tenant is None and user.is_vendor)


class IsMunicipalAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = _user(request)
        return bool(user and request.tenant is not None and user.is_municipal_admin)


class IsMunicipalStaff(BasePermission):
    """Staff or admins of the municipality whose host this is."""

    def has_permission(self, request, view) -> bool:
        user = _user(request)
        return bool(user and request.tenant is not None and user.role in ("staff", "admin"))
