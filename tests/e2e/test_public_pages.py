"""The public site in Chromium: its own pages break none of its Content-Security-Policy rules and pass
axe-core (no serious or critical violation). Then a self-check that these checks do catch problems."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    ("home", "/"),
    ("curricula", "/curricula/"),
    ("curriculum", "/curricula/cmtp-101/"),
    ("resources", "/resources/"),
    ("faq", "/faq/"),
    ("about", "/about-the-program/"),
    ("search", "/search/?q=care+plan"),
    ("verify", "/verify/"),
    ("verify-export", "/compliance/verify-export/"),
    ("login", "/accounts/login/"),
]


def test_public_pages_keep_to_the_csp_and_pass_axe(site_url, journey):
    j = journey("public", site_url)
    for label, path in PUBLIC_PAGES:
        j.goto(path)
        j.checkpoint(label)
    response = j.page.goto(f"{site_url}/no-such-page/")
    assert response is not None and response.status == 404
    j.checkpoint("not-found")
    j.assert_clean()


def test_the_checks_catch_csp_and_accessibility_violations(site_url, journey):
    """Without this, a harness that silently stopped checking would look like a clean site."""
    j = journey("selfcheck", site_url)
    j.goto("/verify/")
    j.page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.body.appendChild(script);
          const image = document.createElement('img');
          image.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
          document.querySelector('main').appendChild(image);
        }"""
    )
    expect(j.page.locator("main img")).to_have_count(1)
    assert j.page.evaluate("() => window.__inlineRan === undefined"), "the CSP let an inline script run"
    j.checkpoint("injected", full_page=False)
    problems = "\n".join(j.problems)
    assert "CSP violation on /verify/" in problems, problems
    assert "'image-alt'" in problems, problems
