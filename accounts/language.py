"""A person's interface language (issue 24): the one home for "which language does this person read".

Inside a request LocaleMiddleware has already activated the language of the URL (``/es/...`` or English);
`accounts.middleware.PreferredLanguageMiddleware` sends a reader whose choice is Spanish from an English URL
to the Spanish one. Outside a request (emails, PDFs, Celery tasks) render for a person with
``with in_language_of(user=recipient): ...``.

A signed-in person's choice is copied into their session when they sign in (`accounts.receivers`), so
applying it costs no query per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve, translate_url
from django.utils import translation

from .models import LanguagePreference

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

SESSION_KEY = "accounts_language"  # the saved choice, or "" for none; absent in sessions older than issue 24


def is_supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def default_language() -> str:
    return str(settings.LANGUAGE_CODE)


def saved_language(*, user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The language the person chose, or "" when they never chose (or are not signed in)."""
    if user is None or not user.is_authenticated or user.pk is None:
        return ""
    language = LanguagePreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language if language and is_supported(language) else ""


def language_of(*, user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The language to write to this person in: their saved choice, else English."""
    return saved_language(user=user) or default_language()


@contextmanager
def in_language_of(*, user: AbstractBaseUser | AnonymousUser | None) -> Iterator[str]:
    """Render for a person outside a request (emails, PDFs, tasks): their language is active inside."""
    language = language_of(user=user)
    with translation.override(language):
        yield language


def save_language(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the person's choice on their account (one row per person; a later choice replaces it)."""
    if not is_supported(language):
        raise ValueError(f"unsupported language {language!r}")
    LanguagePreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def remember_in_session(*, request: HttpRequest, language: str) -> None:
    request.session[SESSION_KEY] = language if is_supported(language) else ""


def preferred_language(request: HttpRequest) -> str:
    """What this visitor wants to read: a signed-in person's saved choice, else the language cookie (set by
    the switcher), else the browser's Accept-Language, else English."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if SESSION_KEY not in request.session:  # a session from before choices were remembered
            remember_in_session(request=request, language=saved_language(user=user))
        saved = request.session.get(SESSION_KEY) or ""
        if is_supported(saved):
            return str(saved)
    return translation.get_language_from_request(request, check_path=False)


def _wagtail_translation_url(*, request: HttpRequest, path: str, language: str) -> str | None:
    """The URL of the same Wagtail page in ``language`` when the page has a translation there."""
    # why: wagtail's models need the app registry, which is ready long before a request calls this
    from wagtail.models import Locale, Page

    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name != "wagtail_serve":
        return None
    route = Page.route_for_request(request, match.args[0] if match.args else "")
    if route is None:
        return None
    page = route[0]
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None:
        return None
    translated = page.get_translation_or_none(locale)
    if translated is None or not translated.live:
        return None
    url = translated.get_url(request=request)
    return str(url) if url else None


def url_in_language(*, request: HttpRequest, url: str, language: str) -> str:
    """The same page in another language. ``url`` is a local URL (the switcher sends the page it was shown
    on), read in the language its prefix names; Wagtail pages go to their translation when one exists, every
    other page to the same route under the other language's prefix (pages without a translation are shown
    in English there, see `config.views.serve_page`)."""
    parts = urlsplit(url)
    with translation.override(translation.get_language_from_path(parts.path) or default_language()):
        translated = _wagtail_translation_url(request=request, path=parts.path, language=language)
        if translated is not None:
            return urlunsplit(("", "", urlsplit(translated).path, parts.query, parts.fragment))
        return translate_url(url, language)
