"""The canonical page of a translated page (issue 24): one learning record whatever the language.

A Spanish lesson, module or curriculum is a Wagtail translation of the English (default-locale) page. What a
learner does on either records against the English page: assignments, lesson progress, completions and
certificates point at it, so reading `/es/...` and taking the quiz in Spanish completes the same
curriculum. This module is the one home of that rule; recording a lesson view or completion and deciding
completion go through `canonical_page`, and a translated outline shows the English records through
`with_translated_ids`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

P = TypeVar("P", bound=Page)


def default_locale() -> Locale:
    return Locale.get_default()


@lru_cache(maxsize=16)
def _language_of_locale(locale_id: int) -> str:
    """A locale's language code (a locale never changes language: remembered per process, so a page in the
    default language costs no query to recognise)."""
    return Locale.objects.filter(pk=locale_id).values_list("language_code", flat=True).first() or ""


def canonical_page(page: P) -> P:
    """The default-locale page `page` translates (the page itself when it is in the default locale or has
    no original there)."""
    default_language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    if _language_of_locale(page.locale_id) == default_language:
        return page
    original = (
        type(page).objects.filter(translation_key=page.translation_key, locale__language_code=default_language).first()
    )
    return original if original is not None else page


def with_translated_ids(ids: Iterable[int], pages: Iterable[Page]) -> set[int]:
    """`ids` (canonical pages) plus the ids of those `pages` that translate one of them: a translated outline
    then marks done what the learner did in either language (one query)."""
    ids = set(ids)
    pages = list(pages)
    if not ids or not pages:
        return ids
    default_language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    if all(_language_of_locale(page.locale_id) == default_language for page in pages):
        return ids  # the English outline: a page translates an id only by being it (no query)
    keys = set(Page.objects.filter(pk__in=ids).values_list("translation_key", flat=True))
    return ids | {page.pk for page in pages if page.translation_key in keys}


def canonical_ids(pages: Iterable[Page]) -> dict[int, int]:
    """{canonical page id: shown page id} for pages of a (possibly translated) outline (one query)."""
    pages = list(pages)
    default = default_locale()
    by_key = {page.translation_key: page.pk for page in pages}
    originals = Page.objects.filter(translation_key__in=by_key, locale=default).values_list("pk", "translation_key")
    return {pk: by_key[key] for pk, key in originals}


def localized_list(pages: Iterable[P]) -> list[P]:
    """Each page replaced by its live translation in the active language, when there is one (one query)."""
    pages = list(pages)
    if not pages:
        return pages
    try:
        active = Locale.get_active()
    except Locale.DoesNotExist:
        return pages
    if all(page.locale_id == active.pk for page in pages):
        return pages
    model = type(pages[0])
    translated = {
        page.translation_key: page
        for page in model.objects.live().filter(locale=active, translation_key__in=[p.translation_key for p in pages])
    }
    return [translated.get(page.translation_key, page) for page in pages]
