"""Control characters in text input: the one rule, applied to every request before any view sees it.

Text people type never contains control characters except tab, carriage return and line feed. Anything
else (NUL, escape, backspace, DEL, the C1 range) is a pasted accident or tampering: PostgreSQL refuses NUL
in text (a 500 where it reaches a query), terminals and CSV readers act on the others, and exported
records would carry them to auditors. Django's forms refuse only NUL, and several views read fields
straight from ``request.POST`` (quiz answers), so the rule lives here, as a middleware over every query
string and every posted form field (names and values), and the answer is a 400 page that names the field.

Bodies that are not form-encoded (JSON, files) are not read; Wagtail's StreamField posts its JSON inside an
ordinary form field, where the browser has already escaped control characters (``\\u0007``), so those
posts are unaffected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

# C0 except tab (09), line feed (0A) and carriage return (0D); DEL; C1.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SHOWN_NAME_LENGTH = 60


@dataclass(frozen=True)
class ControlCharacterFound:
    field: str  # printable: control characters spelled out as U+XXXX
    codepoint: str  # e.g. "U+0007"
    where: str  # "form" or "address"


def _printable(text: str) -> str:
    shown = CONTROL_CHARACTER.sub(lambda m: f"U+{ord(m.group()):04X}", text)
    return shown if len(shown) <= SHOWN_NAME_LENGTH else shown[: SHOWN_NAME_LENGTH - 1] + "…"


def find_control_character(data: QueryDict, *, where: str) -> ControlCharacterFound | None:
    """The first field whose name or any value holds a control character, or None."""
    for name, values in data.lists():
        for text in (name, *values):
            match = CONTROL_CHARACTER.search(text)
            if match:
                return ControlCharacterFound(
                    field=_printable(name), codepoint=f"U+{ord(match.group()):04X}", where=where
                )
    return None


class RejectControlCharactersMiddleware:
    """Refuse (400) any request whose query string or posted form holds a control character. After the
    authentication and messages middleware, so the page can be rendered like any other."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = find_control_character(request.GET, where="address")
        if found is None and request.method == "POST":
            found = find_control_character(request.POST, where="form")
        if found is not None:
            return render(request, "control_characters.html", {"found": found}, status=400)
        return self.get_response(request)
