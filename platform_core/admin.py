"""Django admin, as the municipal administration of one municipality (tenant hosts only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offices.cache import OfficeConfigAdminMixin
from platform_core.audit import audit
from platform_core.models import AuditLog, User

admin.site.site_header = _("Virtuelles Bürgerbüro – Verwaltung")
admin.site.site_title = _("Verwaltung")
admin.site.index_title = _("Verwaltung der Kommune")


class AuditedAdmin(admin.ModelAdmin):
    """Every change made through these pages is audited like a change through the API."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            acting_user=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            obj=obj,
            changes={name: form.cleaned_data.get(name) for name in form.changed_data},
        )

    def delete_model(self, request, obj):
        audit(acting_user=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [o for o, _fields in formset.changed_objects]:
            audit(acting_user=request.user, action=f"{obj._meta.model_name}.save", obj=obj)
        for obj in formset.deleted_objects:
            audit(acting_user=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(OfficeConfigAdminMixin, AuditedAdmin):
    # Deactivating an official or changing a role changes who serves an office.
    list_display = ["email", "full_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "role", "is_active", "last_login"]
    readonly_fields = ["last_login"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":  # a municipality has admins and staff, never vendor staff
            kwargs["choices"] = [
                (value, label) for value, label in User.Role.choices if value != User.Role.VENDOR
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        from platform_core.services import role_flags

        for key, value in role_flags(obj.role).items():  # the same rule as the API's
            setattr(obj, key, value)
        super().save_model(request, obj, form, change)
