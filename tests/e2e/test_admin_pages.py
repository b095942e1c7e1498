"""The Wagtail admin under its own Content-Security-Policy: the dashboard, the page explorer and the page
editor (the most script-heavy screen) load and work without a single refused script, style, image or
connection, and the editor's userbar on the public site too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SITE_ADMIN = "admin@cmtp.demo"


def test_wagtail_admin_works_under_its_csp(demo_site, journey):
    from curricula.models import LessonPage

    lesson = LessonPage.objects.live().filter(title__isnull=False).order_by("path").first()
    j = journey("admin", demo_site)
    page = j.page
    j.log_in(SITE_ADMIN)

    j.goto("/admin/")
    expect(page.locator("#wagtail")).to_be_visible()
    page.wait_for_load_state("networkidle")
    j.checkpoint("dashboard")

    j.goto(f"/admin/pages/{lesson.get_parent().pk}/")
    expect(page.get_by_role("link", name=lesson.title).first).to_be_visible()
    j.checkpoint("explorer")

    j.goto(f"/admin/pages/{lesson.pk}/edit/")
    expect(page.get_by_role("button", name=re.compile(r"^(Save draft|Publish)"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    j.checkpoint("page-editor")

    j.goto(lesson.url)
    expect(page.get_by_role("heading", name=lesson.title, level=1)).to_be_visible()
    j.checkpoint("lesson-with-userbar")
    j.assert_clean()
