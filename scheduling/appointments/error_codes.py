"""Stable error codes of appointment booking (the API's `code`; the pages translate them)."""

# 409: the slot or the citizen's allowance is gone
SLOT_TAKEN = "slot_taken"
BOOKING_LIMIT = "booking_limit"
BLOCK_OVERLAPS = "block_overlaps"

# 400: the request cannot be a booking
UNKNOWN_OFFICE = "unknown_office"
UNKNOWN_SERVICE = "unknown_service"
UNKNOWN_OFFICIAL = "unknown_official"
MODE_NOT_OFFERED = "mode_not_offered"
START_NEEDS_OFFSET = "start_needs_offset"
START_IN_PAST = "start_in_past"
TOO_SOON = "too_soon"
BEYOND_HORIZON = "beyond_horizon"
OFF_GRID = "off_grid"
NOT_OFFERED = "slot_not_offered"  # on the grid, but the office is closed or the slot overruns
BAD_DATE = "bad_date"
BAD_DATETIME = "invalid"  # not ISO 8601 (DRF's generic code, kept for API clients)
DATE_OUT_OF_RANGE = "date_out_of_range"  # before 2000 or after 2099 (booking_dates)
RANGE_TOO_LONG = "range_too_long"
RANGE_REVERSED = "range_reversed"
END_NOT_AFTER_START = "end_not_after_start"

# 400: the appointment is in a state that does not allow the action
NOT_CANCELLABLE = "not_cancellable"
NOT_RESCHEDULABLE = "not_reschedulable"
NOT_STARTED = "not_started"
NOT_STAFF_OF_OFFICE = "not_staff_of_office"
