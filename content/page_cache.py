"""Public pages for anonymous visitors, served from a page cache that is invalidated exactly (issue 22).

Every key holds the *content generation*: a random token kept in the cache and replaced whenever anything a
public page shows changes (the receivers in `content/receivers.py` call `invalidate`). A change never edits or
deletes entries; it makes every old key unreachable, so no entry can outlive the content it was rendered from,
however many pages show that content (menus are on every page). A token, not a counter: if the cache loses it,
the next one is new and no old key can come back.

Two middlewares, as Django's own cache middleware is split: `FetchFromPageCacheMiddleware` sits late in
MIDDLEWARE (after the language is chosen, the user is known and anything that redirects has run) and answers
from the cache; `UpdatePageCacheMiddleware` sits early (outside sessions, CSRF and messages) so it sees every
cookie the response will set before it stores one. Only a 200 from one of the content app's page types, for a
visitor who is not signed in, with no cookie set, no CSRF token used and no `private`/`no-store` (Wagtail marks
pages with view restrictions so), is stored. Signed-in users get `Cache-Control: private` on every response.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.functional import empty
from django.utils.http import urlencode
from django.utils.translation import get_language

from .generation import GENERATION_KEY as GENERATION_KEY  # re-exported: the tests and operators read it here
from .generation import current_generation, page_cache, replace_generation
from .models import FaqPage, HomePage, ResourceCategory, ResourceIndexPage, ResourcePage, StandardPage

HIT_HEADER = "X-Page-Cache"
CACHEABLE_PAGE_TYPES = (HomePage, StandardPage, ResourceIndexPage, ResourcePage, FaqPage)
# Query strings a cached page may be keyed on, with their allowed values; any other query string is served
# uncached, so nobody can fill the cache with made-up variants of a page.
KEYED_QUERY_VALUES: dict[str, frozenset[str]] = {"category": frozenset(ResourceCategory.values)}
_UNCACHEABLE_DIRECTIVES = ("private", "no-store", "no-cache")


def page_timeout() -> int:
    """How long an entry lives. Exactness does not depend on it (keys change with the content); it bounds
    memory, and staleness only if the cache dropped a generation write while staying up."""
    return int(getattr(settings, "PAGE_CACHE_TIMEOUT", 3600))


def shared_max_age() -> int:
    """Seconds nginx or a CDN may keep a public page: only when Wagtail's frontend-cache invalidation is
    configured, because only then is every copy purged on a change (`purge_frontend_cache`)."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return 0
    return int(getattr(settings, "PAGE_CACHE_SHARED_MAX_AGE", 0))


def _after_commit() -> None:
    replace_generation()
    purge_frontend_cache()


def invalidate(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Something a public page shows changed. The generation is replaced now, so a request inside the same
    transaction sees the change, and again after commit: a visitor who read the first new token before the
    commit rendered the old content under it, and the second replacement makes that entry unreachable. A
    rollback costs a cache miss, never a stale page. One after-commit replacement per transaction."""
    replace_generation()
    connection = connections[using]
    if connection.in_atomic_block and any(entry[1] is _after_commit for entry in connection.run_on_commit):
        return
    transaction.on_commit(_after_commit, using=using)


def purge_frontend_cache() -> None:
    """With `WAGTAILFRONTENDCACHE` configured, purge every URL a cached public page may have (every language,
    the resource filters): a change can show on any of them. Does nothing otherwise (the default)."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    # why: Wagtail's frontend-cache module reads its backends from settings at import; only needed when set.
    from wagtail.contrib.frontend_cache.utils import PurgeBatch
    from wagtail.models import Page

    batch = PurgeBatch()
    for page in Page.objects.live().public().type(*CACHEABLE_PAGE_TYPES).specific():
        batch.add_page(page)
        if isinstance(page, ResourceIndexPage) and page.full_url:
            batch.add_urls(f"{page.full_url}?category={value}" for value in sorted(ResourceCategory.values))
    batch.purge()


def _keyed_query(request: HttpRequest) -> str | None:
    """The query string as part of the key, or None when the request has one the cache does not key on."""
    if not request.GET:
        return ""
    pairs: list[tuple[str, str]] = []
    for name, values in sorted(request.GET.lists()):
        allowed = KEYED_QUERY_VALUES.get(name)
        if allowed is None or any(value not in allowed for value in values):
            return None
        pairs.extend((name, value) for value in values)
    return urlencode(pairs)


def _is_signed_in(request: HttpRequest) -> bool:
    """A visitor with no session cookie whose user nobody looked at is anonymous: the session is not read."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and getattr(user, "_wrapped", None) is empty:
        return False
    return bool(user.is_authenticated)


def has_pending_messages(request: HttpRequest) -> bool:
    """Messages (e.g. after signing out) are shown once: such a request renders its own page."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES and "_messages" in session


def _is_wagtail_page_url(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name == "wagtail_serve"


def cache_key(request: HttpRequest) -> str | None:
    """The key a request is answered under, or None when it is not one the page cache may answer."""
    # Signed-in first: their session is read for the view anyway, and their requests skip the URL match.
    if request.method not in ("GET", "HEAD") or _is_signed_in(request) or has_pending_messages(request):
        return None
    query = _keyed_query(request)
    if query is None or not _is_wagtail_page_url(request):
        return None
    generation = current_generation(request=request)
    if generation is None:
        return None
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}|{get_language()}"
    return f"page-cache:{generation}:{hashlib.sha256(address.encode()).hexdigest()}"


def _cacheable_render(request: HttpRequest, response: HttpResponse) -> bool:
    """What only the inner side can see: the page that was rendered, the CSRF token, the language."""
    page = (getattr(response, "context_data", None) or {}).get("page")
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and isinstance(page, CACHEABLE_PAGE_TYPES)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and get_language() == getattr(request, "_page_cache_language", None)
    )


def _cacheable_response(response: HttpResponse) -> bool:
    """What only the outer side can see: every cookie and cache header the response leaves with."""
    cache_control = response.headers.get("Cache-Control", "").lower()
    return (
        not response.cookies
        and not any(directive in cache_control for directive in _UNCACHEABLE_DIRECTIVES)
        and response.headers.get("Vary", "").strip() != "*"
    )


Entry = tuple[bytes, list[tuple[str, str]]]
# What is stored under a key never changes (the key holds the generation), so each process also keeps the
# entries it served last: a hit then costs one read of the generation from the shared cache, not a transfer
# and unpickling of the page (the database cache of the embedded default made that most of a hit).
LOCAL_ENTRIES = 100
_local: OrderedDict[str, Entry] = OrderedDict()
_local_lock = threading.Lock()


def _remember(key: str, entry: Entry) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _recall(key: str) -> Entry | None:
    entry = _local.get(key)
    if entry is None:
        entry = page_cache().get(key)
        if entry is not None:
            _remember(key, entry)
    return entry


def entry_of(response: HttpResponse) -> Entry:
    """What is kept of a response: its body and headers (also `learner_cache`'s)."""
    return (response.content, [(name, value) for name, value in response.headers.items() if name != HIT_HEADER])


def _store(key: str, response: HttpResponse) -> None:
    entry = entry_of(response)
    page_cache().set(key, entry, page_timeout())
    _remember(key, entry)


def rebuild_response(entry: Entry) -> HttpResponse:
    """The response again, marked as a hit (also `learner_cache`'s)."""
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    response.headers[HIT_HEADER] = "hit"
    return response


class FetchFromPageCacheMiddleware:
    """Late in MIDDLEWARE: answers an anonymous GET or HEAD of a public page from the page cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = cache_key(request)
        if key is None:
            return self.get_response(request)
        entry = _recall(key)
        if entry is not None:
            request._page_cache_hit = True  # type: ignore[attr-defined]
            return rebuild_response(entry)
        request._page_cache_language = get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        if _cacheable_render(request, response):
            request._page_cache_key = key  # type: ignore[attr-defined]
        return response


class UpdatePageCacheMiddleware:
    """Early in MIDDLEWARE: stores what the fetch side marked, once every cookie and header is known, and sets
    the Cache-Control header of public pages and of every response to a signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_page_cache_hit", False):
            return response
        key = getattr(request, "_page_cache_key", None)
        if key is not None and _cacheable_response(response):
            max_age = shared_max_age()
            if max_age:
                patch_cache_control(response, public=True, max_age=0, s_maxage=max_age)
            else:
                patch_cache_control(response, public=True, max_age=0)
            _store(key, response)
            response.headers[HIT_HEADER] = "miss"
        elif _is_signed_in(request) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE") is not None:
            patch_cache_control(response, private=True)
        return response
