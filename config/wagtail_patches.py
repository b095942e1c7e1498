"""Three narrow corrections to Wagtail 8 admin internals, applied once at start-up (content app ``ready``).

Each is where the one mechanism lives, so every screen that uses it is corrected at once; each is safe to
drop when Wagtail fixes it upstream (the tests in tests/security/ say so by failing or passing)."""

from __future__ import annotations

from typing import Any

from .csvutil import safe_cell


def apply() -> None:
    # why: Wagtail's admin modules import models, so they load only once the apps are ready (ready() calls this)
    from wagtail.admin.forms import choosers
    from wagtail.admin.views.generic.chooser import CreationFormMixin
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_cmtp_patched", False):
        return
    SpreadsheetExportMixin._cmtp_patched = True

    # 1. Every listing and report exports CSV through this mixin, which writes cells as they are (its XLSX
    #    writer already refuses formulas): a name such as =HYPERLINK(...) would run in a spreadsheet.
    preprocess = SpreadsheetExportMixin.preprocess_field_value

    def formula_safe_value(self: Any, field: str, value: Any, export_format: str) -> Any:
        cell = preprocess(self, field, value, export_format)
        return safe_cell(cell) if export_format == self.FORMAT_CSV else cell

    SpreadsheetExportMixin.preprocess_field_value = formula_safe_value

    # 2. A chooser's "create" view checks the add permission but not that a creation form exists: a POST to a
    #    chooser without one (e.g. a snippet chooser) was a 500. Without a form there is nothing to create.
    can_create = CreationFormMixin.can_create

    def can_create_with_a_form(self: Any) -> bool:
        return can_create(self) and bool(self.get_creation_form_class())

    CreationFormMixin.can_create = can_create_with_a_form

    # 3. The external-link chooser form crashed on a POST without a URL (None has no startswith): a 500 for a
    #    missing field, which must be the form's "This field is required".
    def is_absolute_path(value: Any) -> bool:
        return isinstance(value, str) and value.startswith("/")

    choosers.URLOrAbsolutePathValidator.is_absolute_path = staticmethod(is_absolute_path)
