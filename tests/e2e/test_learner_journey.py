"""A case manager's journey: dashboard -> assigned curriculum -> every lesson -> quiz failed, feedback read,
retried and passed -> certificate -> PDF downloaded -> verified on the public page. Plus the dashboard and a
lesson on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .browser import answer_attempt_correctly, pdf_text

pytestmark = pytest.mark.e2e

LEARNER = "casemanager@harbor.demo"
LEARNER_NAME = "Casey Morgan"
CURRICULUM = "Ryan White case management foundations"  # CMTP-101
PHONE = {"width": 390, "height": 844}


def test_case_manager_completes_a_curriculum_and_verifies_the_certificate(demo_site, journey):
    from certificates.models import Certificate

    j = journey("learner", demo_site)
    page = j.page
    j.goto("/accounts/login/")
    j.checkpoint("login")
    j.log_in(LEARNER)

    # The dashboard lists the assignment; open it.
    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    j.checkpoint("dashboard")
    page.get_by_role("link", name=CURRICULUM).first.click()
    expect(page.get_by_role("heading", name=CURRICULUM, level=1)).to_be_visible()
    j.checkpoint("curriculum")

    # Every lesson, in order, until the end-of-curriculum quiz.
    page.get_by_role("link", name=re.compile(r"^(Start the first lesson|Continue: )")).first.click()
    j.checkpoint("lesson")
    lessons = 0
    while "/quiz/" not in page.url:
        lessons += 1
        assert lessons <= 12, f"no quiz after {lessons} lessons (at {j.path})"
        page.get_by_role("button", name=re.compile(r"^(Mark as complete and continue|Continue)$")).click()
        page.wait_for_load_state()
    assert lessons == 5, f"CMTP-101 has five lessons, {lessons} were completed"
    assert j.path == "/quiz/cmtp-101/"
    j.checkpoint("quiz")

    # First attempt: submitted with no answers (confirmed), so it fails; the result names the competencies
    # to revisit and, until the learner passes, never shows the right answers.
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    j.checkpoint("attempt")
    page.get_by_role("button", name="Submit my answers").click()
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_text("Not passed").first).to_be_visible()
    expect(page.get_by_role("heading", name="Competencies to revisit")).to_be_visible()
    expect(page.locator(".explanation")).to_have_count(0)
    j.checkpoint("result-failed")

    # Retry and pass.
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    attempt_id = int(re.search(r"/quiz/attempts/(\d+)/", page.url).group(1))
    answer_attempt_correctly(page, attempt_id)
    j.checkpoint("attempt-answered")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Your score: 100%")).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    j.checkpoint("result-passed")

    # The certificate: listed, opened, downloaded, verified.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    j.checkpoint("certificates")
    page.get_by_role("link", name=re.compile(rf"CMTP-101 {CURRICULUM}")).first.click()
    expect(page.get_by_role("cell", name=LEARNER_NAME)).to_be_visible()
    j.checkpoint("certificate")
    certificate = Certificate.objects.get(user__username=LEARNER, curriculum_code="CMTP-101", superseded_at=None)
    pdf = j.download(re.compile(r"^Download"), "learner-certificate.pdf")
    text = pdf_text(pdf)
    assert LEARNER_NAME in text and certificate.code in text and certificate.serial in text, text[:300]

    page.get_by_role("link", name="Public verification page").click()
    assert j.path == f"/verify/{certificate.code}/"
    expect(page.get_by_text("This certificate is valid.")).to_be_visible()
    expect(page.get_by_role("cell", name=LEARNER_NAME)).to_be_visible()
    j.checkpoint("verify-page")

    # Anyone can check the printed code on the verification form.
    j.goto("/verify/")
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(certificate.code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This certificate is valid.")).to_be_visible()
    j.checkpoint("verify-form")
    j.assert_clean()


def test_dashboard_and_lesson_on_a_phone(demo_site, journey):
    j = journey("mobile", demo_site, viewport=PHONE)
    page = j.page
    j.log_in(LEARNER)
    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    j.checkpoint("dashboard", full_page=False)
    page.get_by_role("link", name=CURRICULUM).first.click()
    page.get_by_role("link", name=re.compile(r"^(Start the first lesson|Continue: )")).first.click()
    expect(page.get_by_role("button", name="Mark as complete and continue")).to_be_visible()
    j.checkpoint("lesson", full_page=False)
    no_sideways_scroll = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert no_sideways_scroll, "the lesson scrolls sideways on a 390 px wide screen"
    j.assert_clean()
