"""Browser journeys in Chromium against pytest-django's live server. Skipped unless E2E=1 (.ci/e2e.sh sets
it after installing Chromium and axe-core).

The live server needs transactional tests, which empty the database when they finish: tests/conftest.py
puts the program content back before each one, and `demo_site` adds the demo agencies and accounts."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import ARTIFACTS, Journey, prepare_context

E2E_ENABLED = os.environ.get("E2E") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}

if E2E_ENABLED:
    # Playwright's sync API keeps an event loop on the test thread; the ORM calls the tests make between
    # browser steps (reading a quiz's answer key, checking rows) are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if not E2E_ENABLED:
                item.add_marker(pytest.mark.skip(reason="browser journeys run with E2E=1 (.ci/e2e.sh)"))


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run .ci/e2e.sh, or set CHROMIUM_PATH")
    shutil.rmtree(ARTIFACTS / "screenshots", ignore_errors=True)
    shutil.rmtree(ARTIFACTS / "downloads", ignore_errors=True)
    (ARTIFACTS / "axe-notes.txt").unlink(missing_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site_url(live_server, settings) -> str:
    """The live server, with the program content (put back by tests/conftest.py). Absolute links the site
    prints (verification pages, emails) point at it."""
    from content.loader import load_all
    from content.models import HomePage

    if not HomePage.objects.exists():
        load_all()
    settings.SITE_URL = live_server.url
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    # As config.settings.production does: the admin would otherwise load avatars from gravatar.com and ask
    # releases.wagtail.org for a new version, both refused by the admin CSP (images and connections: 'self').
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = False
    settings.ACCOUNTS_REQUIRE_TWO_FACTOR = True  # as in production (the test settings turn it off)
    return live_server.url


@pytest.fixture
def demo_site(site_url) -> str:
    """Content plus the demo agencies, accounts, mandates and training records."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    return site_url


@pytest.fixture
def journey(browser, request) -> Iterator:
    """journey(name, base_url, viewport=...) -> a Journey in a fresh browser context (no shared cookies)."""
    contexts = []

    def start(name: str, base_url: str, *, viewport: dict[str, int] | None = None) -> Journey:
        context = browser.new_context(viewport=viewport or DESKTOP, accept_downloads=True, locale="en-US")
        context.set_default_timeout(20_000)
        prepare_context(context)
        contexts.append(context)
        return Journey(page=context.new_page(), base_url=base_url, name=name)

    yield start
    for context in contexts:
        context.close()
