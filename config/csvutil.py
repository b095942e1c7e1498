"""CSV helpers shared by every export: the one formula-safe cell rule and a pseudo-buffer for streaming.

Every CSV the site writes (compliance exports, roster downloads, item analysis, Wagtail admin listings via
`config.wagtail_patches`) passes its cells through `safe_cell`, so there is one rule to reason about."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Values of these types are written as their plain text: a number or a date cannot carry a formula (and a
# negative number must stay a number).
_PLAIN = (int, float, Decimal, date, datetime, time)


def is_formula(text: str) -> bool:
    """Starts like a spreadsheet formula, also behind leading spaces (some spreadsheets strip them first)."""
    return text.startswith(FORMULA_PREFIXES) or text.lstrip(" ").startswith(FORMULA_PREFIXES)


def safe_cell(value: object) -> str:
    """The cell as text, with a would-be formula (OWASP CSV injection) neutralised by a leading apostrophe.
    None is an empty cell; numbers and dates are written as they are."""
    if value is None:
        return ""
    if isinstance(value, _PLAIN):
        return str(value)
    text = str(value)
    return f"'{text}" if is_formula(text) else text


class Echo:
    """csv.writer target whose write() returns the line, for StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value
