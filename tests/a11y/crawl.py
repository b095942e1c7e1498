"""The accessibility crawl's machinery: follow the site's own links as one person, and on every page run
axe-core (WCAG 2.0-2.2 A and AA rules) at three widths, measure sideways overflow at 320 px, and keep the
HTML the server sent for one batched run of the W3C Nu HTML checker (vnu.jar) at the end.

Every Wagtail page (author content: topics, resources, curricula, lessons) is checked once, by the first
person who reaches it. The site's own screens are checked for every person who reaches them, but screens of
the same shape (the same path with numbers and agency, quiz or code slugs replaced, the same query parameter
names) at most `PER_SHAPE` times per person: the third agency's staff record shows nothing the first two did
not, and checking every one would take CI's whole time budget."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.e2e.browser import ARTIFACTS, ROOT

OUT = ARTIFACTS / "a11y"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The language switcher for visitors (issue 24): the Spanish pages are checked on purpose (test_every_page).
LANGUAGE_SWITCH = ("/accounts/language/", "/es/accounts/language/")
WIDTHS = (1280, 390, 320)
HEIGHT = 900
OVERFLOW_WIDTH = 320
PER_SHAPE = 2
FAILING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = os.environ.get("A11Y_SCREENSHOTS") == "1"  # a full-page picture of each page at 390 px
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# Not crawled: the Wagtail and Django admins (their own journey notes upstream findings, tests/e2e/browser.py),
# files, and links that end the session.
SKIP_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/static/", "/media/", "/_util/", "/accounts/logout/")
SKIP_SUFFIXES = (".csv", ".pdf", ".json", ".txt", ".ics", ".xml", ".png", ".svg", ".zip")

AXE_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""

# Two animation frames after a resize: layout and the ResizeObserver of js/tables.js have run.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

# The page's width against the viewport, and (when it is wider) the outermost elements that stick out, for
# the report: an element inside a scrolling container does not count.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const page = document.documentElement.scrollWidth;
  if (page <= width) return {page, width, culprits: []};
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      const root = p === document.body || p === document.documentElement;
      if (!root && /(auto|scroll|hidden|clip)/.test(s.overflowX)) return true;
    }
    return false;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !scrolls(el)) {
      const parent = el.parentElement;
      const parentOut = parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1;
      if (parentOut && !scrolls(parent)) continue;
      culprits.push(`${describe(el)} (right edge ${Math.round(box.right)} px)`);
      if (culprits.length >= 5) break;
    }
  }
  return {page, width, culprits};
}"""


# Path segments that name one of many things of a kind (an agency, a quiz, a certificate code): one shape.
SLUGS = [
    (re.compile(r"/agency/(?!invitations/)[^/]+/"), "/agency/S/"),  # also /compliance/agency/, /competencies/agency/
    (re.compile(r"^/verify/[^/]+/"), "/verify/S/"),
    (re.compile(r"^/quiz/analysis/[^/]+/"), "/quiz/analysis/S/"),
    (re.compile(r"^/quiz/(?!attempts/|analysis/)[^/]+/"), "/quiz/S/"),
]


# What axe does not measure but the issue found (labels far from their fields, chart text shrunk to a few
# pixels, navigation headings before the page's h1), checked on every page at every width.
LAYOUT = """() => {
  const found = [];
  const visible = (el) => { const b = el.getBoundingClientRect(); return b.width > 1 && b.height > 1; };
  for (const label of document.querySelectorAll('main label[for]')) {
    const control = document.getElementById(label.htmlFor);
    if (!control || !visible(label) || !visible(control) || control.type === 'hidden') continue;
    // The largest empty space from the label's text (not its box, which a flex rule can stretch) down to the
    // field, stepping over any help text or error between them.
    const range = document.createRange();
    range.selectNodeContents(label);
    const t = range.getBoundingClientRect(), c = control.getBoundingClientRect();
    let gap = 0, above = t.bottom;
    if (label.parentElement === control.parentElement) {
      for (let n = label.nextElementSibling; n && n !== control; n = n.nextElementSibling) {
        const box = n.getBoundingClientRect();
        if (box.height < 1) continue;
        gap = Math.max(gap, box.top - above);
        above = box.bottom;
      }
    }
    gap = Math.max(gap, c.top - above);
    const name = label.textContent.trim().slice(0, 40);
    if (gap > 48) found.push(`label "${name}" is ${Math.round(gap)} px above its field`);
  }
  const small = [...document.querySelectorAll('main svg text')].filter(
    (text) => visible(text) && text.getBoundingClientRect().height < 11);
  if (small.length) {
    const height = small[0].getBoundingClientRect().height.toFixed(1);
    found.push(`${small.length} chart label(s) under 11 px, e.g. "${small[0].textContent.trim()}" at ${height} px`);
  }
  const main = document.querySelector('main');
  const first = main && main.querySelector('h1, h2, h3, h4, h5, h6');
  if (first && first.tagName !== 'H1' && main.querySelector('h1')) {
    found.push(`the first heading in the content is "${first.textContent.trim().slice(0, 40)}", before the h1`);
  }
  return found;
}"""


def shape(path_and_query: str) -> str:
    """/agency/harbor/staff/12/?status=overdue -> /agency/S/staff/N/?status"""
    parts = urlsplit(path_and_query)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    path = parts.path
    for pattern, replacement in SLUGS:
        path = pattern.sub(replacement, path)
    return re.sub(r"\d+", "N", path) + ("?" + "&".join(names) if names else "")


def local_target(href: str, base_url: str) -> str | None:
    """The path and query of a link on this site worth visiting, or None."""
    if not href.startswith(base_url):
        return None
    parts = urlsplit(href)
    path = parts.path or "/"
    if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "next"]
    return path + ("?" + urlencode(query) if query else "")


@dataclass
class Crawl:
    """Everything found, across roles; `problems` fail the test, `notes` are the report's context."""

    base_url: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    html_files: dict[str, str] = field(default_factory=dict)  # file name -> "role path"
    content_paths: set[str] = field(default_factory=set)  # every live Wagtail page's path but the home page
    content_seen: set[str] = field(default_factory=set)  # Wagtail pages already checked (by any role)
    checked: set[tuple[str, str]] = field(default_factory=set)  # (role, path) checked
    impacts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        (OUT / "html").mkdir(parents=True, exist_ok=True)
        for old in (OUT / "html").glob("*.html"):
            old.unlink()

    def is_content(self, path_and_query: str) -> bool:
        """A Wagtail page (author content, the same for everyone), not one of the site's own screens."""
        return urlsplit(path_and_query).path in self.content_paths

    # -- one page -----------------------------------------------------------------------------------------

    def check_current(self, page: Page, *, role: str, label: str, html: str | None) -> None:
        """axe at every width, overflow at 320 px, and the server's HTML kept for vnu."""
        where = f"[{role}] {label}"
        self.pages.append(where)
        if html is not None:
            name = f"{len(self.html_files):04d}.html"
            (OUT / "html" / name).write_text(html, encoding="utf-8")
            self.html_files[name] = where
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.problems.append(f"{where}: axe-core was not injected")
            return
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.evaluate(SETTLED)
            for violation in page.evaluate(AXE_RUN, WCAG_TAGS):
                self.impacts[violation["impact"]] += 1
                text = (
                    f"{where} at {width} px: axe {violation['impact']} '{violation['id']}': {violation['help']}; "
                    + (", ".join(violation["nodes"][:4]))
                )
                (self.problems if violation["impact"] in FAILING_IMPACTS else self.notes).append(text)
            for finding in page.evaluate(LAYOUT):
                self.problems.append(f"{where} at {width} px: {finding}")
            if SCREENSHOTS and width == 390:
                shots = OUT / "screens"
                shots.mkdir(exist_ok=True)
                page.screenshot(path=shots / f"{len(self.pages):04d}.png", full_page=True)
            if width in (390, OVERFLOW_WIDTH):
                found = page.evaluate(OVERFLOW)
                if found["page"] > found["width"]:
                    text = (
                        f"{where}: {found['page']} px wide at {found['width']} px (sideways scrolling); "
                        + "; ".join(found["culprits"])
                    )
                    (self.problems if width == OVERFLOW_WIDTH else self.notes).append(text)
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    def visit(self, page: Page, target: str, *, role: str, expect_error: bool = False) -> str | None:
        """Open a path and check it; returns the path it ended on (after redirects), or None for a
        download or a failure (reported)."""
        try:
            response = page.goto(self.base_url + target)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                return None
            self.problems.append(f"[{role}] {target}: did not load: {exc}")
            return None
        if response is None:
            return None
        if response.status >= 500 or (response.status >= 400 and not expect_error):
            self.problems.append(f"[{role}] {target}: answered {response.status}")
        if "text/html" not in (response.headers.get("content-type") or ""):
            return None
        page.wait_for_load_state("load")
        landed = local_target(page.url, self.base_url) or target
        if landed != target and (role, landed) in self.checked:
            return None  # redirected to a page already checked (a lesson's login page)
        self.checked.add((role, landed))
        label = target if landed == target else f"{target} -> {landed}"
        if response.status >= 400:
            label += f" ({response.status})"
        self.check_current(page, role=role, label=label, html=response.text())
        return landed

    # -- one person ---------------------------------------------------------------------------------------

    def crawl(self, page: Page, *, role: str, start: list[str], seen_shapes: Counter | None = None) -> None:
        """Breadth first from `start`, following every link on the site's own pages."""
        shapes = seen_shapes if seen_shapes is not None else Counter()
        queue = list(start)
        visited: set[str] = set()
        while queue:
            target = queue.pop(0)
            if target in visited or target in self.content_seen or shapes[shape(target)] >= PER_SHAPE:
                continue
            visited.add(target)
            if not self.is_content(target):
                shapes[shape(target)] += 1
            landed = self.visit(page, target, role=role)
            if landed is None:
                continue
            visited.add(landed)
            if landed != target and not self.is_content(landed):
                shapes[shape(landed)] += 1
            if self.is_content(landed) and landed == target:
                self.content_seen.add(landed)
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
            for href in hrefs:
                found = local_target(href.split("#")[0], self.base_url)
                if (
                    found
                    and not found.startswith(LANGUAGE_SWITCH)  # would turn the rest of the crawl Spanish
                    and found not in visited
                    and found not in self.content_seen
                    and shapes[shape(found)] < PER_SHAPE
                ):
                    queue.append(found)

    # -- the HTML checker ---------------------------------------------------------------------------------

    def run_vnu(self) -> None:
        """One Java run over every page's HTML; errors are problems, warnings notes."""
        if not self.html_files:
            return
        if not VNU_JAR.is_file():
            self.problems.append(f"{VNU_JAR} is missing: run `npm ci` (or .ci/a11y.sh) first")
            return
        files = [str(OUT / "html" / name) for name in sorted(self.html_files)]
        java = shutil.which("java") or "java"
        result = subprocess.run(  # noqa: S603 - our own jar and file names
            [java, "-Xss1024k", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *files],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        try:
            messages = json.loads(result.stderr or result.stdout)["messages"]
        except (ValueError, KeyError):
            self.problems.append(f"vnu.jar gave no report: {result.stdout[:500]} {result.stderr[:500]}")
            return
        for message in messages:
            name = Path(urlsplit(message.get("url", "")).path).name
            where = self.html_files.get(name, name)
            line = message.get("lastLine", "?")
            extract = message.get("extract", "").strip()
            text = f"{where}: HTML {message.get('type')}: {message.get('message')} (line {line}: {extract!r})"
            if message.get("type") in ("error", "non-document-error"):
                self.problems.append(text)
            else:
                self.notes.append(text)

    # -- the report ---------------------------------------------------------------------------------------

    def write_report(self) -> Path:
        report = OUT / "report.txt"
        lines = [
            f"{len(self.pages)} page states checked at {', '.join(map(str, WIDTHS))} px; "
            f"{len(self.problems)} problem(s), {len(self.notes)} note(s)",
            "",
            "== Problems",
            *self.problems,
            "",
            "== Notes (minor or moderate axe findings, overflow at 390 px, HTML warnings)",
            *self.notes,
            "",
            "== Pages (numbered as the screenshots, A11Y_SCREENSHOTS=1)",
            *(f"{number:04d} {where}" for number, where in enumerate(self.pages, start=1)),
        ]
        report.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return report

    def summary(self) -> dict[str, Any]:
        return {"pages": len(self.pages), "problems": len(self.problems), "impacts": dict(self.impacts)}
