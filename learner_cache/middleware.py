"""Learner pages (dashboard, transcript, curriculum, lesson, quiz attempt) kept per learner, exactly (issue 22).

A learner page is a function of the rows it reads, the day and a few things of the request. So a rendered page
is kept under a key made of:

- the learner's version and the shared version (`models.RecordVersion`), which database triggers replace on
  every write to a row such a page may show (`tracked.py`, `triggers.py`), by any code path: a change by the
  learner, a supervisor, the nightly sync, the Wagtail admin or SQL makes every page rendered before it
  unreachable;
- the user, the address (scheme, host and path; a request with a query string is never kept), the language,
  today's date, whether the session passed the second factor, and the CSRF secret of the browser (the page
  carries a form token made from it).

The versions are read before the view runs and again after it: a page is kept only when they did not move
in between (no write committed meanwhile) and the view itself wrote nothing (a lesson's first view records
progress: that response is not kept, so the next view runs the view again and writes nothing). A view opts
in with `mark_learner_page(request)`, saying its response depends on nothing else; only a 200 with no cookie
set, no session change and no pending message is kept. A hit runs no view: one query for the two versions and
one cache read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import get_language

from content.generation import page_cache
from content.page_cache import HIT_HEADER, Entry, entry_of, has_pending_messages, page_timeout, rebuild_response

from .models import SHARED

# The URLs whose views may opt in; anything else is never looked up (no query added to other pages).
URL_NAMES = frozenset({"curricula:dashboard", "curricula:transcript", "assessments:attempt", "wagtail_serve"})
_MARK = "_learner_page"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def mark_learner_page(request: HttpRequest) -> None:
    """Called by a view whose response depends only on rows the triggers track, the day and the key's parts."""
    setattr(request, _MARK, True)


def read_versions(*, user_id: int) -> str:
    """The shared and the learner's version, in one query ("-" for a row no write has made yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, n FROM learner_cache_version WHERE id IN (%s, %s)", [SHARED, user_id])
        found = dict(cursor.fetchall())
    return f"{found.get(SHARED, '-')}.{found.get(user_id, '-')}"


def _cache_tables() -> tuple[str, ...]:
    return tuple(
        str(options["LOCATION"])
        for options in settings.CACHES.values()
        if options.get("BACKEND") == "django.core.cache.backends.db.DatabaseCache"
    )


class _WriteWatcher:
    """Notes any write the view makes (a cache kept in the database is not one: it is what is being skipped)."""

    def __init__(self) -> None:
        self.wrote = False
        self.cache_tables = _cache_tables()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.wrote and sql.lstrip()[:7].upper().startswith(_WRITES):
            self.wrote = not any(f'"{table}"' in sql for table in self.cache_tables)
        return execute(sql, params, many, context)


def _address_key(request: HttpRequest) -> str | None:
    """The key's parts that are not versions, hashed; None when this request is not one that may be kept."""
    if request.method != "GET" or request.GET or not getattr(settings, "LEARNER_PAGE_CACHE", True):
        return None  # no learner page takes a query string: made-up ones are rendered, never kept
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not csrf_secret or has_pending_messages(request):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in URL_NAMES:
        return None
    verified = bool(getattr(user, "is_verified", lambda: False)())
    parts = (
        user.pk,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        get_language(),
        timezone.localdate().isoformat(),
        verified,
        csrf_secret,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _keepable(
    request: HttpRequest, response: HttpResponse, *, csrf_secret: str, session_changed: bool, wrote: bool
) -> bool:
    """A page that used a form token only renews the same cookie (Django re-sends it to extend its life);
    a new secret (a rotated token) would make the kept forms fail, so such a response is not kept."""
    return (
        getattr(request, _MARK, False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not wrote
        and not session_changed
        and request.META.get("CSRF_COOKIE") == csrf_secret
        and "no-store" not in response.headers.get("Cache-Control", "")
    )


class LearnerPageCacheMiddleware:
    """Late in MIDDLEWARE (after sign-in, the second factor, the language and redirects are decided)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = _address_key(request)
        if address is None:
            return self.get_response(request)
        user_id = cast(int, request.user.pk)  # signed in: `_address_key` checked
        versions = read_versions(user_id=user_id)
        key = f"learner-page:{user_id}:{versions}:{address}"
        entry: Entry | None = page_cache().get(key)
        if entry is not None:
            return rebuild_response(entry)
        csrf_secret = str(request.META["CSRF_COOKIE"])  # present: `_address_key` asked for it
        watcher = _WriteWatcher()
        session = getattr(request, "session", None)
        modified_before = bool(session is not None and session.modified)
        with connection.execute_wrapper(watcher):
            response = self.get_response(request)
        session_changed = bool(session is not None and session.modified and not modified_before)
        keep = _keepable(
            request, response, csrf_secret=csrf_secret, session_changed=session_changed, wrote=watcher.wrote
        )
        if keep and read_versions(user_id=user_id) == versions:  # and nothing committed while it rendered
            page_cache().set(key, entry_of(response), page_timeout())
            response.headers[HIT_HEADER] = "miss"
        return response
