"""One formula-safe CSV rule (config.csvutil.safe_cell) for every export: the roster's stricter rule (a
formula behind leading spaces) now holds for compliance exports and the Wagtail admin's CSV too."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from compliance import exports
from config.csvutil import safe_cell


def test_a_formula_behind_leading_spaces_is_neutralised():
    assert safe_cell('  =HYPERLINK("http://evil")') == '\'  =HYPERLINK("http://evil")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("plain") == "plain"


def test_numbers_dates_and_empty_cells_stay_what_they_are():
    assert [safe_cell(v) for v in (None, -3, Decimal("-1.5"), date(2026, 1, 2))] == ["", "-3", "-1.5", "2026-01-02"]


def test_compliance_exports_use_the_same_rule():
    assert exports.safe_cell is safe_cell
    out = io.StringIO()
    csv.writer(out).writerow([exports.safe_cell(v) for v in (" -2+3", "Ann")])
    assert out.getvalue().startswith("' -2+3,Ann")
