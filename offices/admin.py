from django.contrib import admin

from offices.cache import OfficeConfigAdminMixin
from offices.models import Closure, LocalHoliday, Office, OpeningWindow, Service, StaffMember
from platform_core.admin import AuditedAdmin


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
