"""Generate requests for every URL pattern the project serves (site, Wagtail admin, Django admin) with
parameters aimed at records a role must not see, and read what comes back.

Nothing here lists the project's URLs by hand: patterns are enumerated from the resolver, so a new view is
swept the day it is added. A pattern whose parameters cannot be filled fails the sweep (add a candidate
below) rather than being skipped in silence.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Model
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from wagtail.models import Page

from .world import FIRST_FOREIGN_ID, World

# The first rows of every table created for people a role may not see (world.py creates the other agency's
# people first, so each table's first foreign rows are theirs).
FOREIGN_IDS = [str(FIRST_FOREIGN_ID + i) for i in range(4)]
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
MAX_COMBINATIONS = 8

# Public by design: a certificate's verification page and badge name its holder to anyone with the code.
PUBLIC_BY_CODE = {"certificates:verify", "certificates:badge"}

# Admin sites whose every URL passes one access check (Wagtail's require_admin_access, Django's admin_view).
GATED_PREFIXES = ("admin/", "django-admin/")

# Never requested by the sweep, with the reason: they would end the sweep's own session.
NOT_SWEPT = {
    "logout": "ends the session being swept",
    "wagtailadmin_logout": "ends the session being swept",
    "wagtailadmin_error_test": "Wagtail's page that raises on purpose, to test error reporting",
}


@dataclass(frozen=True)
class Pattern:
    """One leaf URL pattern with the chain of patterns leading to it."""

    parts: tuple[RoutePattern | RegexPattern, ...]
    name: str  # namespaced, e.g. "agencies:staff"

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def route(self) -> str:
        """The route as Django's resolver reports it (it drops a part's '^' when a route precedes it)."""
        route = ""
        for part in (str(p) for p in self.parts):
            route = route + part.removeprefix("^") if route else part
        return route


def all_patterns() -> list[Pattern]:
    def walk(entries, chain: tuple, namespace: str) -> Iterator[Pattern]:
        for entry in entries:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, (*chain, entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                yield Pattern(parts=(*chain, entry.pattern), name=f"{namespace}{entry.name or ''}")

    return list(walk(get_resolver().url_patterns, (), ""))


# Parameters that name a Wagtail page (the admin's page screens are function views: no model to ask).
PAGE_PARAMS = {"page_id", "parent_page_id", "page_to_move_id", "page_pk"}


def _candidates(name: str, converter: str, world: World, *, for_post: bool) -> list[str]:
    if name in PAGE_PARAMS:
        # Pages are shared content: a real one (GET only, so page screens render), every page made after the
        # bump (none unless a test adds one) and one id that is no page.
        real = [] if for_post else [str(world.lesson_id)]
        return real + [FOREIGN_IDS[0]] + [i for i in world.ids_of(Page) if i != FOREIGN_IDS[0]]
    ids = list(FOREIGN_IDS)
    if "page" in name and not for_post:
        ids.append(str(world.lesson_id))  # a real page, so page screens render instead of 404ing
    if converter == "int" or name.endswith("id") or name in ("pk", "object_id"):
        return ids
    if name == "slug":
        return [world.home.slug, world.foreign.slug]
    if name == "code":
        return world.certificate_codes
    if name == "key":
        return [world.quiz_key]
    if name == "kind":
        return ["csv-wide", "csv-long", "pdf"]
    if name in ("token", "uidb64"):
        return ["not-a-token"]
    if name in ("app_label", "model_name"):
        return ["agencies", "staffmember"] if name == "app_label" else ["staffmember"]
    return ids


def _split_regex(regex: str) -> list[tuple[str, str | None]]:
    """A regex as literal text and top-level capture groups: [(text, None), (group body, group name)...]."""
    out: list[tuple[str, str | None]] = []
    i, literal = 0, ""
    position = 0
    while i < len(regex):
        char = regex[i]
        if char == "\\" and i + 1 < len(regex):
            literal += regex[i + 1] if regex[i + 1] in "./-_" else ""
            i += 2
            continue
        if char == "(":
            depth, j = 1, i + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            body = regex[i + 1 : j - 1]
            named = re.match(r"\?P<(\w+)>", body)
            if body.startswith("?:"):
                pass  # optional non-capturing parts are left out
            else:
                out.append((literal, None))
                literal = ""
                out.append((body[named.end() :] if named else body, named.group(1) if named else f"arg{position}"))
                position += 1
            i = j
            if i < len(regex) and regex[i] in "?*+":
                i += 1
            continue
        if char == "." and regex[i + 1 : i + 2] in ("*", "+"):
            literal += "x"  # any text: one letter stands for it
            i += 2
            continue
        if char not in "^$":
            literal += char
        i += 1
    out.append((literal, None))
    return out


def _fill_part(part, world: World, *, for_post: bool) -> list[list[str]]:
    """Each way to write this pattern part, as a list of alternatives per parameter (then literal pieces)."""
    if isinstance(part, RoutePattern):
        route = str(part)
        pieces: list[list[str]] = []
        last = 0
        for match in ROUTE_PARAM.finditer(route):
            pieces.append([route[last : match.start()]])
            pieces.append(_candidates(match["name"], match["converter"] or "str", world, for_post=for_post))
            last = match.end()
        pieces.append([route[last:]])
        return pieces
    pieces = []
    for text, group in _split_regex(part.regex.pattern):
        if group is None:
            pieces.append([text])
            continue
        alternatives = text.split("|")
        if all(re.fullmatch(r"[\w\-]+", alt) for alt in alternatives):
            pieces.append([alternatives[0]])
        elif group.startswith("arg"):
            # Wagtail's page route: the home page and a lesson (pages are shared content, not records)
            pieces.append(["", world.lesson_path.strip("/") + "/"] if "*" in text else FOREIGN_IDS[:1])
        else:
            pieces.append(_candidates(group, "str", world, for_post=for_post))
    return pieces


def _combinations(pieces: list[list[str]]) -> Iterator[tuple[str, ...]]:
    """Every combination when there are few; otherwise the candidates side by side (the first of each
    parameter together, then the second...), so each candidate is tried once without a product explosion."""
    total = 1
    for piece in pieces:
        total *= len(piece)
    if total <= MAX_COMBINATIONS:
        yield from itertools.product(*pieces)
        return
    for i in range(max(len(piece) for piece in pieces)):
        yield tuple(piece[i % len(piece)] for piece in pieces)


def view_model(func) -> type[Model] | None:
    """The model a generic view works on, when the view says so (Wagtail's viewsets and snippets pass it to
    ``as_view``; Django's admin views carry their ModelAdmin)."""
    model = (getattr(func, "view_initkwargs", None) or {}).get("model")
    if model is None:
        model = getattr(getattr(func, "view_class", None), "model", None)
    if model is None:
        model = getattr(getattr(func, "model_admin", None), "model", None)
    return model if isinstance(model, type) and issubclass(model, Model) else None


def _aimed(url: str, match, world: World) -> list[str]:
    """For a view of a known model with one id in its URL: the URL for the first foreign id (a hidden row or a
    missing one) and for every hidden row of that model, instead of ids that are no row of it (they all take
    the same not-found path). Other URLs are kept as they are."""
    values = [*match.args, *match.kwargs.values()]
    model = view_model(match.func)
    if model is None or len(values) != 1 or str(values[0]) not in FOREIGN_IDS:
        return [url]
    value = str(values[0])
    hidden = world.ids_of(model)
    if value == FOREIGN_IDS[0]:
        extra = [i for i in hidden if i not in FOREIGN_IDS]  # rows beyond the first few ids: aim at them too
        return [url] + [url.replace(f"/{value}/", f"/{i}/", 1) for i in extra if f"/{value}/" in url]
    return [url] if value in hidden else []


def urls_for(pattern: Pattern, world: World, *, for_post: bool = False, first_only: bool = False) -> list[str]:
    """Concrete URLs for a pattern that resolve back to it ([] if it cannot be filled)."""
    pieces = [piece for part in pattern.parts for piece in _fill_part(part, world, for_post=for_post)]
    urls: list[str] = []
    for combination in _combinations(pieces):
        url = "/" + "".join(combination)
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.route == pattern.route:
            if first_only:
                return [url]
            urls.extend(u for u in _aimed(url, match, world) if u not in urls)
    return urls


def body_text(response: HttpResponseBase) -> str:
    """What the response shows, including streamed files, zipped spreadsheets and PDF text."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if raw.startswith(b"%PDF"):
        from pypdf import PdfReader

        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    return raw.decode("utf-8", "replace")


def leaks(text: str, markers: list[str]) -> list[str]:
    lowered = text.lower()
    return [m for m in markers if m.lower() in lowered]
