"""Issue 21 item 5, a new case manager's first day in Chromium: the agency administrator adds them; the email
lists what is due and links to the set-password page (the site's design, the rules shown before the first
try); they sign in, see what is due, complete the curriculum and see its page marked complete."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from .browser import answer_attempt_correctly

pytestmark = pytest.mark.e2e

ADMIN = "agencyadmin@harbor.demo"
NEW = "avery.new@harbor.demo"
PASSWORD = "first-day-harbor-2026"
CURRICULUM = "Ryan White case management foundations"  # CMTP-101, mandated for Harbor's medical case managers


def test_new_case_manager_first_day(demo_site, journey):
    admin = journey("first-day-admin", demo_site)
    admin.log_in(ADMIN)
    admin.goto("/agency/harbor-health/staff/add/")
    page = admin.page
    page.get_by_label("First name").fill("Avery")
    page.get_by_label("Last name").fill("New")
    page.get_by_label("Email").fill(NEW)
    page.get_by_label("Job role").select_option("mcm")
    page.get_by_label("Hire date").fill(date.today().isoformat())
    page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    page.wait_for_load_state()
    sent = [m for m in mail.outbox if NEW in m.to]
    assert len(sent) == 1, [m.to for m in mail.outbox]
    body = sent[0].body
    assert f"- CMTP-101 {CURRICULUM}: due " in body, body
    link = re.search(r"https?://\S+/accounts/reset/\S+/", body).group(0)

    j = journey("first-day", demo_site)
    page = j.page
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a password", level=1)).to_be_visible()
    expect(page.get_by_text("Django administration")).to_have_count(0)
    expect(page.get_by_text("at least 10 characters")).to_be_visible()  # before the first try
    j.checkpoint("set-password")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("heading", name="Password saved")).to_be_visible()
    j.log_in(NEW, PASSWORD)

    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    page.get_by_role("link", name=CURRICULUM).first.click()
    page.get_by_role("link", name="Start the first lesson").click()
    while "/quiz/" not in page.url:
        page.get_by_role("button", name=re.compile(r"^(Mark as complete and continue|Continue)$")).click()
        page.wait_for_load_state()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    answer_attempt_correctly(page, int(re.search(r"/quiz/attempts/(\d+)/", page.url).group(1)))
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()

    j.goto("/learn/")
    page.get_by_role("link", name=CURRICULUM).first.click()
    expect(page.get_by_text("You completed this curriculum on")).to_be_visible()
    expect(page.get_by_text("0 of")).to_have_count(0)
    expect(page.get_by_role("link", name="Start the first lesson")).to_have_count(0)
    assert page.locator("ol.outline li.todo").count() == 0
    j.checkpoint("curriculum-complete")
    j.assert_clean()
