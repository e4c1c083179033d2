"""Stable error codes of the scheduling app (the API returns them as `code`, the UI translates
them). The waiting room's codes come first; appointments may add theirs below."""

# --- waiting room: citizens -----------------------------------------------------------------
OFFICE_CLOSED = "office_closed"
WAITING_ROOM_FULL = "waiting_room_full"
VIDEO_NOT_OFFERED = "video_not_offered"
UNKNOWN_SERVICE = "unknown_service"
SERVICE_NOT_BY_VIDEO = "service_not_by_video"
TICKET_NOT_FOUND = "ticket_not_found"
OFFICE_NOT_FOUND = "office_not_found"

# --- waiting room: officials ------------------------------------------------------------------
NOT_AN_OFFICIAL = "not_an_official"
NOT_STAFF_OF_OFFICE = "not_staff_of_office"
INVALID_TRANSITION = "invalid_transition"
APPOINTMENT_DUE = "appointment_due"
UNKNOWN_OFFICE = "unknown_office"
SAME_OFFICE = "same_office"
# The citizen has joined the video: no no-show, no new call of them.
CITIZEN_JOINED = "citizen_joined"
# The official already has a call (called, joined or in session): finish it first.
CALL_IN_PROGRESS = "call_in_progress"
# Forwarding: the other office must be able to take the citizen now.
TARGET_OFFICE_CLOSED = "target_office_closed"
TARGET_VIDEO_NOT_OFFERED = "target_video_not_offered"
# Provider failures keep the provider's own code (e.g. webex_unavailable); this is the fallback.
VIDEO_UNAVAILABLE = "video_unavailable"
