"""CSV exports that a spreadsheet opens as data, never as formulas."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading
    apostrophe (CSV injection); numbers and other values are left as they are."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
