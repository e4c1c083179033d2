"""Dates and times sent to the appointments part - query parameters, JSON fields, form
fields - parsed and bounded in one place, before any arithmetic. The APIs turn a
`DateInputError` into a 400 with a field error and its code, the pages into a message.

Python's dates end with year 1 and year 9999: the day before or after them, a conversion to
UTC or a week added raises OverflowError (a 500). Nothing in booking needs dates outside
this century: slots lie within the office's horizon (at most a year ahead), day plans and
blocked time around today. So every date, and every time by its own wall-clock date, must
lie within [EARLIEST, LATEST]; from there a UTC offset (at most 14 hours) and the weeks the
code adds stay far inside Python's range.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _

from scheduling.appointments import error_codes as codes

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class DateInputError(ValueError):
    """A date or time that cannot be used; `code` is the API's error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _check_range(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise DateInputError(
            _("Use a date between %(first)s and %(last)s.")
            % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            codes.DATE_OUT_OF_RANGE,
        )


def parse_date(value: str) -> date:
    """A calendar date as YYYY-MM-DD within the range."""
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise DateInputError(_("Use YYYY-MM-DD."), codes.BAD_DATE) from None
    _check_range(day)
    return day


def parse_moment(value: str) -> datetime:
    """A point in time as ISO 8601 with its UTC offset (`Z` or `+01:00`; a time without one
    would be ambiguous), its date within the range."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise DateInputError(
            _("Use ISO 8601, e.g. 2027-03-29T09:00:00+02:00."), codes.BAD_DATETIME
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DateInputError(_("Give the time with its UTC offset."), codes.START_NEEDS_OFFSET)
    _check_range(moment.date())  # the wall-clock date: no conversion before the check
    return moment
