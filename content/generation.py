"""The content generation: one token in the cache, replaced whenever anything a page shows changes
(`content.receivers` says what; `content.page_cache.invalidate` replaces it, at once and after commit).

Whatever is kept per generation (anonymous pages, the menu, routes, lesson outlines and bodies, which pages
have no view restriction) is therefore never read after a change: its key names an older token. This module
imports no model, so models may use it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest

GENERATION_KEY = "page-cache:generation"
KEEP_SECONDS = 3600
T = TypeVar("T")


def page_cache() -> BaseCache:
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def current_generation(*, request: HttpRequest | None = None) -> str | None:
    """The content generation, read once per request; None when the cache cannot be read (then nothing is
    served from it or stored)."""
    if request is not None and hasattr(request, "_content_generation"):
        return request._content_generation
    cache = page_cache()
    token = cache.get(GENERATION_KEY)
    if token is None:
        candidate = uuid.uuid4().hex
        added = cache.add(GENERATION_KEY, candidate, None)  # None: the cache is failing (errors are ignored)
        token = candidate if added else (cache.get(GENERATION_KEY) if added is False else None)
    if request is not None:
        request._content_generation = token  # type: ignore[attr-defined]
    return token


def replace_generation() -> None:
    page_cache().set(GENERATION_KEY, uuid.uuid4().hex, None)


def kept_for_generation(
    *, key: str, compute: Callable[[], T], request: HttpRequest | None = None, seconds: int = KEEP_SECONDS
) -> T:
    """`compute()`, kept in the cache under `key` and the current generation, so it is computed again after any
    change to content. None is never kept (a caller's "cannot tell"); a preview (a draft shown under the live
    page's id) neither reads nor keeps anything; without a readable generation nothing is kept."""
    generation = current_generation(request=request)
    usable = generation is not None and not getattr(request, "is_preview", False)
    full_key = f"{key}:{generation}"
    value = page_cache().get(full_key) if usable else None
    if value is None:
        value = compute()
        if usable and value is not None:
            page_cache().set(full_key, value, seconds)
    return value
