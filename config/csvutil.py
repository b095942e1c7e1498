"""CSV helpers shared by every export: formula-safe cells and a pseudo-buffer for streaming."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise a would-be spreadsheet formula (OWASP CSV injection) by prefixing an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


class Echo:
    """csv.writer target whose write() returns the line, for StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value

