"""Two-factor enforcement, after django-otp's OTPMiddleware (which marks verified sessions).

A signed-in account that must use two-factor (`two_factor.must_use_two_factor`) and whose session has not
passed a second factor reaches nothing but the set-up page (no device yet), the verify page (a device),
and log out. That covers every URL: the site, the Wagtail admin, the Django admin, downloads.

Accounts that need nothing cost no query after the first request: the answer is kept in the session for
five minutes, so a role given during a session (e.g. made coordinator) is enforced within five minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .http import SignedInUser
from .language import default_language, preferred_language
from .two_factor import has_two_factor, must_use_two_factor

EXEMPT_SESSION_KEY = "accounts_two_factor_exempt"  # {"user": pk, "until": epoch seconds}
EXEMPT_SECONDS = 300
OPEN_PATHS = ("/static/", "/media/", "/health/", "/favicon.ico")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._redirect_if_unverified(request)
        return response or self.get_response(request)

    def _redirect_if_unverified(self, request: HttpRequest) -> HttpResponse | None:
        if not getattr(settings, "ACCOUNTS_REQUIRE_TWO_FACTOR", True):
            return None
        user = request.user
        if not user.is_authenticated or cast(SignedInUser, user).is_verified():
            return None
        if request.path.startswith(OPEN_PATHS):
            return None
        session = request.session
        exempt = session.get(EXEMPT_SESSION_KEY)
        if exempt and exempt.get("user") == user.pk and exempt.get("until", 0) > time.time():
            return None
        if not must_use_two_factor(user):
            session[EXEMPT_SESSION_KEY] = {"user": user.pk, "until": int(time.time()) + EXEMPT_SECONDS}
            return None
        allowed = {reverse("logout"), reverse("accounts:two_factor_verify"), reverse("accounts:two_factor_setup")}
        if request.path in allowed:
            return None  # the views themselves decide set-up versus verify
        target = "accounts:two_factor_verify" if has_two_factor(user) else "accounts:two_factor_setup"
        next_url = request.get_full_path() if request.method == "GET" else ""
        query = f"?{urlencode({'next': next_url})}" if next_url and next_url != "/" else ""
        return HttpResponseRedirect(reverse(target) + query)


class PreferredLanguageMiddleware:
    """English URLs carry no prefix (``prefix_default_language=False``), so LocaleMiddleware shows them in
    English whoever asks. A GET for a page that exists under ``/es/`` from someone who wants Spanish (their
    saved choice, their language cookie, or Accept-Language) is redirected there. A URL with a language
    prefix is never redirected: a shared ``/es/`` link opens in Spanish for everyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._redirect(request) or self.get_response(request)

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or translation.get_language_from_path(request.path_info):
            return None
        if "." in request.path_info.rsplit("/", 1)[-1]:
            return None  # files (calendar feeds, JSON, images) are the same in every language
        language = preferred_language(request)
        if language == default_language() or self._is_switcher(request):
            return None
        current = request.get_full_path()
        target = translate_url(current, language)
        if target == current:
            return None  # not a page with a Spanish URL (the admin, health, downloads)
        response = HttpResponseRedirect(target)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    @staticmethod
    def _is_switcher(request: HttpRequest) -> bool:
        """The switcher itself is where a Spanish reader asks for English: never sent elsewhere."""
        try:
            return request.path_info == reverse("accounts:set_language")
        except NoReverseMatch:  # a URLconf without the accounts pages (some tests use their own)
            return False
