"""A training coordinator's journey: import a roster CSV for an agency (upload, preview, apply), then
create a mandate in the Wagtail admin and see the new assignments follow from it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@cmtp.demo"
AGENCY = "Riverside Community Services"
NEW_PEOPLE = [
    ("Robin Alvarez", "robin.alvarez@riverside.demo", "peer"),
    ("Sky Tran", "sky.tran@riverside.demo", "nmcm"),
]
MANDATED = "The case-management process"  # CMTP-102: mandated below for peers at agencies funded for NMCM-SUD


def roster_csv() -> bytes:
    hired = (timezone.localdate() - timedelta(days=14)).isoformat()
    lines = ["name,email,role,hire_date,supervisor_email,active"]
    lines += [f"{name},{email},{role},{hired},,yes" for name, email, role in NEW_PEOPLE]
    return ("\n".join(lines) + "\n").encode()


def test_coordinator_imports_a_roster_and_creates_a_mandate(demo_site, journey):
    from curricula.models import Assignment, Requirement

    j = journey("coordinator", demo_site)
    page = j.page
    j.log_in(COORDINATOR)

    # Roster import: agencies -> Riverside -> Import a roster -> upload -> preview -> apply.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Staff").click()
    j.checkpoint("agencies")
    page.get_by_role("link", name=AGENCY).click()
    expect(page.get_by_role("heading", name=f"{AGENCY}: staff roster")).to_be_visible()
    page.get_by_role("link", name="Import a roster").click()
    expect(page.get_by_role("heading", name="Import a roster")).to_be_visible()
    j.checkpoint("import")
    page.get_by_label(re.compile("Roster file")).set_input_files(
        {"name": "riverside-roster.csv", "mimeType": "text/csv", "buffer": roster_csv()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Check the roster import")).to_be_visible()
    expect(page.get_by_text("Every line is valid.")).to_be_visible()
    expect(page.get_by_text("2 added to the roster")).to_be_visible()
    j.checkpoint("import-preview")
    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_text(re.compile(r"Roster imported: 2 added"))).to_be_visible()
    for name, _, _ in NEW_PEOPLE:
        expect(page.get_by_role("link", name=name)).to_be_visible()
    j.checkpoint("roster")

    # A mandate, in the Wagtail admin: CMTP-102 for peers at agencies funded for NMCM-SUD (Riverside).
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Authoring").click()
    expect(page.locator("#wagtail")).to_be_visible()
    j.checkpoint("admin-home")
    j.goto("/admin/training-mandates/")
    j.checkpoint("admin-mandates")
    page.get_by_role("link", name=re.compile(r"^Add (mandate|requirement)")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"New.*(mandate|requirement)", re.IGNORECASE))).to_be_visible()
    choose_curriculum(page, "CMTP-102", MANDATED)
    page.get_by_label(re.compile(r"targeting substance use", re.IGNORECASE)).check()
    page.get_by_label("Peer navigator", exact=True).check()
    page.get_by_label("Due (days after hire)").fill("60")
    page.get_by_label("Starts on").fill(timezone.localdate().isoformat())
    j.checkpoint("admin-mandate-form")
    # Saving shows who the mandate assigns first (issue 19), then confirms.
    page.get_by_role("button", name="Preview who this assigns").click()
    expect(page.get_by_text(re.compile(r"This will assign \d+ (person|people)")).first).to_be_visible()
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_text(re.compile(r"created", re.IGNORECASE)).first).to_be_visible()
    j.checkpoint("admin-mandate-saved")

    requirement = Requirement.objects.filter(curriculum__code="CMTP-102", roles=["peer"]).get()
    assert [c.code for c in requirement.categories.all()] == ["NMCM-SUD"]
    # Assignments follow the mandate: the peer just imported now has CMTP-102 to do.
    assert Assignment.objects.filter(
        staff__user__username="robin.alvarez@riverside.demo", curriculum__code="CMTP-102", state="open"
    ).exists()
    j.assert_clean()


def choose_curriculum(page, code: str, title: str) -> None:
    """The curriculum field: a plain select, or Wagtail's page chooser (search by title, pick)."""
    select = page.locator("select#id_curriculum")
    if select.count():
        option = select.locator("option").filter(has_text=re.compile(rf"{code}|{re.escape(title)}")).first
        select.select_option(value=option.get_attribute("value"))
        return
    page.get_by_role("button", name=re.compile(r"Choose a (curriculum|page)", re.IGNORECASE)).first.click()
    modal = page.locator(".modal-dialog, [role=dialog]").first
    expect(modal).to_be_visible()
    modal.get_by_role("textbox").first.fill(title)
    modal.get_by_role("link", name=title).first.click()
    expect(page.get_by_text(title).first).to_be_visible()
