"""A coordinator changes a reminder email in the Wagtail admin (issue 21, item 3): the editor lists the
placeholders, the preview panel shows the email filled with sample values, and the saved text is what the
next reminder says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@cmtp.demo"


def test_coordinator_edits_and_previews_the_overdue_email(demo_site, journey):
    from compliance.models import ReminderTemplate

    template = ReminderTemplate.objects.get(kind="overdue")
    j = journey("reminders", demo_site)
    page = j.page
    j.log_in(COORDINATOR)
    j.goto("/admin/snippets/compliance/remindertemplate/")
    expect(page.get_by_role("link", name="Overdue notice")).to_be_visible()
    page.get_by_role("link", name="Overdue notice").click()
    expect(page.get_by_text("Placeholders by kind")).to_be_visible()
    page.locator("#id_subject").fill("Still to do: {curriculum_code} (was due {due_date})")
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("iframe[title='Preview']").first
    expect(preview.get_by_text("Still to do: CT-201 (was due March 4, 2026)").first).to_be_visible()
    j.checkpoint("preview", axe=False)  # the Wagtail editor's own markup is checked by test_admin_pages
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Still to do:").first).to_be_visible()
    template.refresh_from_db()
    assert template.subject == "Still to do: {curriculum_code} (was due {due_date})"
    j.assert_clean()
