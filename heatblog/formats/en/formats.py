"""Dates as the admin's lists write them, everywhere Django writes one without a format
of its own ("5 Mar 2026, 21:07", not "March 5, 2026, 9:07 p.m." on the change pages):
one form, on a 24-hour clock. Pages for readers name their formats in their templates."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
