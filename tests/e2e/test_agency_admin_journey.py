"""An agency administrator's journey: the compliance dashboard of their agency, then the exports an auditor
asks for (CSV one row per person, CSV one row per person and curriculum, PDF audit report)."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .browser import pdf_text

pytestmark = pytest.mark.e2e

AGENCY_ADMIN = "agencyadmin@harbor.demo"
AGENCY = "Harbor Health Center"


def test_agency_admin_opens_the_compliance_dashboard_and_downloads_the_exports(demo_site, journey):
    j = journey("agencyadmin", demo_site)
    page = j.page
    j.log_in(AGENCY_ADMIN)

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", name=f"Training compliance: {AGENCY}")).to_be_visible()
    assert j.path.startswith("/compliance/agency/harbor-health/")
    expect(page.locator("[data-headline]")).to_contain_text(re.compile(r"Compliance rate\s*(\d+%|n/a)"))
    expect(page.get_by_role("heading", name="Staff by curriculum")).to_be_visible()
    j.checkpoint("compliance")

    # An auditor asks about the last day of the previous month: pick that date, then export that view.
    as_of = timezone.localdate().replace(day=1) - timedelta(days=1)
    page.get_by_role("textbox", name="As of").fill(as_of.isoformat())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert f"as_of={as_of.isoformat()}" in page.url
    expect(page.get_by_text(as_of.strftime("%B %-d, %Y")).first).to_be_visible()
    j.checkpoint("compliance-as-of")

    wide = j.download(re.compile(r"^Export CSV: one row per person$"), "compliance-wide.csv")
    rows = list(csv.reader(wide.read_text(encoding="utf-8-sig").splitlines()))
    text = "\n".join(",".join(row) for row in rows)
    assert len(rows) > 5, text[:500]
    assert "Casey" in text and "Morgan" in text, text[:500]
    assert as_of.isoformat() in text or as_of.strftime("%B %-d, %Y") in text, "the export is as of the picked date"

    long = j.download(re.compile(r"^Export CSV: one row per person and curriculum$"), "compliance-long.csv")
    assert "CMTP-101" in long.read_text(encoding="utf-8-sig")

    pdf = j.download("PDF audit report", "compliance-report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    report = pdf_text(pdf)
    assert AGENCY in report and "Morgan" in report, report[:500]
    j.assert_clean()
