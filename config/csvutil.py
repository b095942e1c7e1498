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


def neutralise_wagtail_csv_exports() -> None:
    """Every Wagtail listing and report exports CSV through one mixin that writes cells as they are (its XLSX
    writer already refuses formulas); route its CSV cells through ``safe_cell`` too, once, at start-up."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "formula_safe", False):
        return

    def preprocess_field_value(self, field, value, export_format):  # noqa: ANN001 - Wagtail's signature
        cell = original(self, field, value, export_format)
        return safe_cell(cell) if export_format == self.FORMAT_CSV else cell

    preprocess_field_value.formula_safe = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
