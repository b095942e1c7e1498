"""The one way author-written markdown becomes HTML: rendered with `markdown`, cleaned with `bleach`."""

from __future__ import annotations

from functools import lru_cache

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "th": ["scope", "colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[LinkifyFilter],  # type: ignore[list-item]  # bleach's documented use; the stub's protocol is narrower
)


def render_markdown(text: str | None) -> SafeString:
    """Markdown to safe HTML. Raw HTML, event handlers and javascript: links never survive."""
    if not text:
        return mark_safe("")  # noqa: S308
    return mark_safe(_markdown_to_clean_html(text))  # noqa: S308 - cleaned by bleach


@lru_cache(maxsize=4096)
def _markdown_to_clean_html(text: str) -> str:
    """The same text always gives the same HTML, and converting it was half the time of a lesson or quiz
    page (bench/): each process keeps the most recent few thousand results."""
    html = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return _cleaner.clean(html)
