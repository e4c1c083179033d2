from django.contrib import admin

from videoconf.models import VideoSession


@admin.register(VideoSession)
class VideoSessionAdmin(admin.ModelAdmin):
    """Read-only overview (videoconf's services own every write; nothing is deleted by hand).
    Room keys stay hidden: they are the citizen's access to the room. The integration is
    edited at /staff/video-integration/ (secrets are write-only there)."""

    list_display = [
        "id",
        "provider",
        "status",
        "created_at",
        "started_at",
        "ended_at",
        "remote_cleanup_pending",
    ]
    list_filter = ["provider", "status", "remote_cleanup_pending"]
    fields = [
        "provider",
        "status",
        "external_id",
        "subject_kind",
        "subject_id",
        "guest_label",
        "host",
        "created_at",
        "started_at",
        "guest_joined_at",
        "ended_at",
        "remote_cleanup_pending",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The session's history (and billing's usage) must not vanish by hand.
        return False
