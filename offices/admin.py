from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offices.cache import OfficeConfigAdminMixin
from offices.models import Closure, LocalHoliday, Office, OpeningWindow, Service, StaffMember
from offices.services import office_delete, office_dependents
from platform_core.admin import AuditedAdmin

DEPENDENT_LABELS = {
    "appointments": _("appointments"),
    "tickets": _("waiting-room tickets"),
    "officials": _("officials"),
}


class OfficeConfigAdmin(OfficeConfigAdminMixin, AuditedAdmin):
    """Audited, and every write drops what is cached from office configuration."""


class OpeningWindowInline(admin.TabularInline):
    model = OpeningWindow
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class ServiceInline(admin.StackedInline):
    model = Service
    extra = 0


@admin.register(Office)
class OfficeAdmin(OfficeConfigAdmin):
    list_display = ["name", "slug", "video_enabled", "waiting_room_capacity", "order"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningWindowInline, ClosureInline, ServiceInline]

    def get_deleted_objects(self, objs, request):
        """The API's rule (offices.services.office_dependents): an office with appointments,
        tickets or officials is listed as protected, and the admin refuses to delete it."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for office in objs:
            for name, count in office_dependents(office=office).items():
                protected.append(f"{office}: {DEPENDENT_LABELS[name]} ({count})")
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        office_delete(office=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for office in queryset:
            office_delete(office=office, acting_user=request.user)


@admin.register(Service)
class ServiceAdmin(OfficeConfigAdmin):
    list_display = [
        "name",
        "office",
        "duration_minutes",
        "offers_in_person",
        "offers_video",
        "is_active",
    ]
    list_filter = ["office", "is_active"]


@admin.register(StaffMember)
class StaffMemberAdmin(OfficeConfigAdmin):
    list_display = ["user", "presence", "mode", "last_seen_at"]
    filter_horizontal = ["offices", "services"]
    readonly_fields = ["presence_changed_at", "last_seen_at"]


@admin.register(LocalHoliday)
class LocalHolidayAdmin(OfficeConfigAdmin):
    list_display = ["date", "name"]
