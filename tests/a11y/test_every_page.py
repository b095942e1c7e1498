"""Issue 23: every page reachable by each kind of person, at a desktop, a phone and the narrowest phone width
(1280, 390, 320 px), meets WCAG 2.2 AA as far as a machine can tell: no serious or critical axe-core finding,
no sideways scrolling of the page at 320 px (reflow, 1.4.10), and no HTML error from the W3C Nu HTML checker.

Each person (public, case manager, supervisor, agency administrator, training coordinator) follows every
link on the site's own pages from the home page; then the states no link reaches: a failed login, the
not-found and refused pages, forms sent back with errors, a quiz attempt in progress, its confirmation and
its result. The report (every page checked, every finding) is test-artifacts/a11y/report.txt."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import Journey, prepare_context

from .crawl import HEIGHT, WIDTHS, Crawl

pytestmark = pytest.mark.e2e

LEARNER = "casemanager@harbor.demo"
SUPERVISOR = "supervisor@harbor.demo"
AGENCY_ADMIN = "agencyadmin@harbor.demo"
COORDINATOR = "coordinator@cmtp.demo"
QUIZ = "cmtp-101"


def _submit(crawl: Crawl, page: Page, *, role: str, label: str, action: Callable[[], None]) -> None:
    """Send a form (`action` clicks its button) and check the page that comes back."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    page.wait_for_load_state("load")
    if response is None or response.status >= 500:
        crawl.problems.append(f"[{role}] {label}: answered {response and response.status}")
        return
    crawl.check_current(page, role=role, label=label, html=response.text())


def _public_states(crawl: Crawl, page: Page) -> None:
    role = "public"
    _spanish_pages(crawl, page, role=role, paths=SPANISH_PUBLIC)
    crawl.visit(page, "/no-such-page/", role=role, expect_error=True)
    crawl.visit(page, "/verify/NOT-A-CODE/", role=role, expect_error=True)
    crawl.visit(page, "/search/?q=zzqqxx", role=role)
    crawl.visit(page, "/compliance/verify-export/?code=NOT-A-CODE", role=role, expect_error=True)
    crawl.visit(page, "/accounts/login/", role=role)
    page.fill("#id_username", "nobody@example.org")
    page.fill("#id_password", "not the password")
    _submit(
        crawl, page, role=role, label="login refused", action=lambda: page.get_by_role("button", name="Log in").click()
    )
    crawl.visit(page, "/accounts/password_reset/", role=role)
    page.locator("input[type=email]").fill("not an email")
    _submit(
        crawl,
        page,
        role=role,
        label="password reset with a bad address",
        action=lambda: page.locator("main form button[type=submit]").first.click(),
    )


SPANISH_PUBLIC = ["/es/", "/es/faq/", "/es/resources/", "/es/curricula/", "/es/accounts/login/", "/es/verify/"]
SPANISH_LEARNER = ["/es/learn/", "/es/certificates/", f"/es/quiz/{QUIZ}/"]


def _spanish_pages(crawl: Crawl, page: Page, *, role: str, paths: list[str]) -> None:
    """Issue 24: pages under /es/ meet the same bar, and say they are Spanish (<html lang="es">)."""
    for path in paths:
        crawl.visit(page, path, role=role)
        lang = page.evaluate("() => document.documentElement.lang")
        if lang != "es":
            crawl.problems.append(f"[{role}] {path}: <html lang={lang!r}>, not 'es'")


def _learner_states(crawl: Crawl, page: Page) -> None:
    role = "case manager"
    _spanish_pages(crawl, page, role=role, paths=SPANISH_LEARNER)
    crawl.visit(page, "/compliance/program/", role=role, expect_error=True)  # refused
    crawl.visit(page, f"/quiz/{QUIZ}/", role=role)
    start = page.get_by_role("button", name="Start the quiz")
    if start.count():
        _submit(crawl, page, role=role, label="quiz attempt in progress", action=start.click)
    else:
        page.get_by_role("link", name=r"Continue attempt").first.click()
        page.wait_for_load_state("load")
        crawl.check_current(page, role=role, label="quiz attempt in progress", html=None)
    _submit(
        crawl,
        page,
        role=role,
        label="quiz submit with unanswered questions (confirm)",
        action=lambda: page.get_by_role("button", name="Submit my answers").click(),
    )
    _submit(
        crawl,
        page,
        role=role,
        label="quiz result (not passed)",
        action=lambda: page.get_by_role("button", name="Submit anyway").click(),
    )


def _agency_admin_states(crawl: Crawl, page: Page) -> None:
    from agencies.models import Agency

    role = "agency administrator"
    slug = Agency.objects.order_by("pk").values_list("slug", flat=True).first()
    crawl.visit(page, f"/agency/{slug}/staff/add/", role=role)
    _submit(
        crawl,
        page,
        role=role,
        label="add staff sent empty",
        action=lambda: page.locator("main form button[type=submit]").last.click(),
    )
    crawl.visit(page, f"/agency/{slug}/import/", role=role)
    _submit(
        crawl,
        page,
        role=role,
        label="roster import without a file",
        action=lambda: page.locator("main form button[type=submit]").last.click(),
    )


def test_every_page_meets_wcag_22_aa_at_every_width(demo_site, browser):
    from wagtail.models import Page

    # Wagtail pages (topics, resources, curricula, lessons) are checked once for everybody; the home page and
    # every other path (the site's own screens) for each person who reaches it.
    content = {url for url in (page.url for page in Page.objects.live().specific()) if url and url != "/"}
    crawl = Crawl(base_url=demo_site, content_paths=content)
    people: list[tuple[str, str | None, Callable[[Crawl, Page], None] | None]] = [
        ("public", None, _public_states),
        ("case manager", LEARNER, _learner_states),
        ("supervisor", SUPERVISOR, None),
        ("agency administrator", AGENCY_ADMIN, _agency_admin_states),
        ("training coordinator", COORDINATOR, None),
    ]
    only = [r.strip() for r in os.environ.get("A11Y_ROLES", "").split(",") if r.strip()]  # for a quicker local run
    for role, username, states in people:
        if only and role not in only:
            continue
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT}, locale="en-US")
        context.set_default_timeout(20_000)
        prepare_context(context)
        journey = Journey(page=context.new_page(), base_url=demo_site, name=f"a11y-{role}")
        if username:
            journey.log_in(username)
        crawl.crawl(journey.page, role=role, start=["/"])
        if states:
            states(crawl, journey.page)
        # CSP violations and JavaScript errors, each once (a refused inline style repeats for every element)
        crawl.problems.extend(f"[{role}] {p}" for p in dict.fromkeys(journey.problems))
        context.close()
    crawl.run_vnu()
    report = crawl.write_report()
    print(crawl.summary(), f"report: {report}")
    assert not crawl.problems, (
        f"{len(crawl.problems)} problem(s) on {len(crawl.pages)} page states (all in {report}):\n"
        + "\n".join(crawl.problems[:80])
    )
