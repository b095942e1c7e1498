"""Issue 21 item 7: on a phone the site header took 240 px before any content. Measured in Chromium at
390 x 844 with a case manager signed in (the longest account menu a learner has)."""

from __future__ import annotations

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
LEARNER = "casemanager@harbor.demo"
MAX_HEADER_PX = 160


def test_phone_header_leaves_room_for_content(demo_site, journey):
    j = journey("phone-header", demo_site, viewport=PHONE)
    page = j.page
    j.log_in(LEARNER)
    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    height = page.locator(".site-header").bounding_box()["height"]
    assert height <= MAX_HEADER_PX, f"the header is {height:.0f} px tall on a 390 px wide phone"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "page scrolls sideways"
    # every account link is still reachable (the nav scrolls sideways inside itself)
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Account")).to_be_attached()
    j.checkpoint("phone-header", full_page=False)
