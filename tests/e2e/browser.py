"""Helpers for the browser journeys: a Journey wraps one Playwright page and, at each checkpoint, saves a
screenshot, runs axe-core and collects Content-Security-Policy violations, so that every journey checks
accessibility and CSP on the pages it passes through.

axe-core is injected as an init script (DevTools, not a <script> element), so the site's real CSP stays in
force and is checked on the same pages; nothing is bypassed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DOWNLOADS = ARTIFACTS / "downloads"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "cmtp-demo-2026"  # the demo accounts' password (agencies seed_demo)

FAILING_IMPACTS = {"serious", "critical"}
# Known problems in Wagtail's own admin markup (upstream, not ours to fix): on /admin/ pages, a violation of
# one of these rules whose every element matches these selectors is noted in test-artifacts/axe-notes.txt
# instead of failing. Anything else on an admin page still fails.
UPSTREAM_ADMIN_ISSUES = {
    # the white "Edit" button on the green "created" message (":nth-child(n)" when two messages show at once;
    # axe names the button by its link, '[href$="edit/"]', when the two messages' buttons look alike)
    "color-contrast": [
        r"\.success(:nth-child\(\d+\))?",
        r"(\.buttons > )?\.button-small(\.[a-z-]+)*(:nth-child\(\d+\))?(\[href\$=\"[a-z/]+\"\])?",
    ],
    # StreamField renders simple blocks and list items (our markdown block, key points) without a <label>
    "label": [r"#body-\d+-value(-[a-z_]+-\d+-value)*"],
}
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")

# Collects violations the browser reports to the page, in addition to the console messages.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ` +
    `(${e.sourceFile || location.pathname}:${e.lineNumber || 0})`);
});
"""

AXE_RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    all_nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""


def prepare_context(context: BrowserContext) -> None:
    if not AXE_JS.is_file():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (or .ci/e2e.sh) first")
    context.add_init_script(path=str(AXE_JS))
    context.add_init_script(script=CSP_LISTENER)


@dataclass
class Journey:
    """One person's path through the site, in one browser page."""

    page: Page
    base_url: str
    name: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    step: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {self.path}: {error}"))

    # -- navigation ---------------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        url = self.page.url
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"GET {path} answered {response and response.status}"

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in with the password and, for the demo accounts that must use two-factor, the code their
        (demo) authenticator shows; the next step's code if this one was already used by an earlier sign-in."""
        from accounts.demo import demo_code

        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, f"login as {username} failed"
        for steps_ahead in (0, 1):
            if "/accounts/two-factor/verify/" not in self.page.url:
                break
            self.page.fill("#id_token", demo_code(steps_ahead=steps_ahead))
            self.page.get_by_role("button", name="Continue").click()
            self.page.wait_for_load_state()
        assert "/accounts/two-factor/" not in self.page.url, f"two-factor step for {username} failed"

    # -- checks -------------------------------------------------------------------------------------------

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        self.console.append(f"[{message.type}] {text}")
        if any(marker in text for marker in CSP_MARKERS):
            self.problems.append(f"CSP violation on {self.path}: {text}")

    def _csp_violations(self) -> list[str]:
        try:
            return self.page.evaluate("() => window.__cspViolations || []")
        except Exception:  # noqa: BLE001 - a page without a document (e.g. a download)
            return []

    def checkpoint(self, label: str, *, axe: bool = True, full_page: bool = True) -> None:
        """Screenshot, axe-core (serious and critical violations fail the journey) and CSP on this page."""
        self.page.wait_for_load_state("load")
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{self.step:02d}-{label}.png", full_page=full_page)
        for violation in self._csp_violations():
            message = f"CSP violation on {self.path}: {violation}"
            if message not in self.problems:
                self.problems.append(message)
        if axe:
            for violation in self.run_axe():
                if violation["impact"] not in FAILING_IMPACTS:
                    continue
                message = (
                    f"axe {violation['impact']} '{violation['id']}' on {label} ({self.path}): "
                    f"{violation['help']}; e.g. {', '.join(violation['nodes'])}"
                )
                known = UPSTREAM_ADMIN_ISSUES.get(violation["id"], [])
                upstream = all(any(re.fullmatch(p, node) for p in known) for node in violation["all_nodes"])
                if self.path.startswith("/admin/") and known and upstream:
                    self.notes.append(f"{self.name}: upstream Wagtail admin: {message}")
                else:
                    self.problems.append(message)

    def run_axe(self) -> list[dict[str, Any]]:
        has_axe = self.page.evaluate("() => typeof window.axe !== 'undefined'")
        assert has_axe, f"axe-core was not injected on {self.path}"
        return self.page.evaluate(AXE_RUN)

    def assert_clean(self) -> None:
        if self.notes:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with (ARTIFACTS / "axe-notes.txt").open("a", encoding="utf-8") as notes:
                notes.write("\n".join(self.notes) + "\n")
        assert not self.problems, f"{self.name}: {len(self.problems)} problem(s):\n" + "\n".join(self.problems)

    # -- downloads ----------------------------------------------------------------------------------------

    def download(self, link_name: str | re.Pattern, save_as: str) -> Path:
        with self.page.expect_download() as info:
            self.page.get_by_role("link", name=link_name).first.click()
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        target = DOWNLOADS / save_as
        info.value.save_as(target)
        assert info.value.failure() is None, info.value.failure()
        return target


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def answer_attempt_correctly(page: Page, attempt_id: int) -> None:
    """Fill the attempt form with the right answers, read from the database (the page never shows them).

    Scenario questions come first: each "Continue the scenario" saves the form and reveals the next part."""
    from assessments.models import (
        Attempt,
        MatchingQuestion,
        MultipleChoiceQuestion,
        OrderingQuestion,
        Question,
        ScenarioQuestion,
        SingleChoiceQuestion,
        TrueFalseQuestion,
        attach_options,
    )

    attempt = Attempt.objects.get(pk=attempt_id)
    by_id = {q.pk: q for q in attach_options(list(Question.objects.filter(pk__in=attempt.question_ids)))}
    questions = [by_id[pk] for pk in attempt.question_ids]

    for question in questions:
        if not isinstance(question, ScenarioQuestion):
            continue
        parts = question.ordered_parts()
        by_key = {part.key: part for part in parts}
        part = parts[0] if parts else None
        while part is not None:
            right = next(o for o in part.option_list() if o.is_correct)
            page.locator(f"#q{question.pk}-{part.key}-{right.pk}").check()
            if right.next_part == "end":
                break
            part = by_key.get(right.next_part) if right.next_part else _following(parts, part)
            if part is None:
                break
            page.locator(f'button[name="focus"][value="{question.pk}"]').click()
            page.wait_for_load_state()
            page.locator(f"#q{question.pk}-{part.key}-{part.option_list()[0].pk}").wait_for()

    for question in questions:
        qid = question.pk
        if isinstance(question, SingleChoiceQuestion):
            right = next(o for o in question.option_list() if o.is_correct)
            page.locator(f"#q{qid}-{right.pk}").check()
        elif isinstance(question, MultipleChoiceQuestion):
            for option in question.option_list():
                page.locator(f"#q{qid}-{option.pk}").set_checked(option.is_correct)
        elif isinstance(question, TrueFalseQuestion):
            page.locator(f"#q{qid}-{'t' if question.correct_answer else 'f'}").check()
        elif isinstance(question, OrderingQuestion):
            for position, option in enumerate(question.option_list(), start=1):
                page.select_option(f"#q{qid}-pos-{option.pk}", str(position))
        elif isinstance(question, MatchingQuestion):
            for option in question.option_list():
                page.select_option(f"#q{qid}-cat-{option.pk}", option.category)


def _following(parts: list, part: Any) -> Any:
    index = parts.index(part)
    return parts[index + 1] if index + 1 < len(parts) else None
