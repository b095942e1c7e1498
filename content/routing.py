"""Finding the page for a URL in one query instead of two per URL level.

Wagtail's `Page.route` walks the tree from the site's root: a child lookup and its `.specific` for every
level of `/curricula/<curriculum>/<module>/<lesson>/`, about a dozen queries for a lesson (docs/performance.md).
None of our page types overrides `route` (no routable pages), so the page Wagtail finds for a path is the
live page whose `url_path` is the (localized) site root's `url_path` plus the path, in the root's subtree.
That is looked up once per path and content generation (`content.page_cache`, replaced on every publish,
move, slug change or delete) and kept in the cache; a request then loads only the page itself, and checks
that it still has that url_path, locale and live state before using it. So a stale entry can never serve a
wrong page: anything that does not check out, and every path that matches no page (a 404, a path below a
page), goes to Wagtail's own routing unchanged."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from .generation import kept_for_generation

ROUTE_SECONDS = 3600


def _entry(*, site: Site, path: str) -> tuple[int, int, str, int] | None:
    """(page id, content type id, url_path, locale id) of the page Wagtail would route `path` to, or None."""
    root = site.root_page.localized  # as Wagtail's route_for_request: the root in the active language if live
    url_path = root.url_path + "".join(f"{part}/" for part in path.split("/") if part)
    row = (
        Page.objects.filter(url_path=url_path, path__startswith=root.path, depth__gte=root.depth)
        .values_list("pk", "content_type_id", "locale_id")
        .first()
    )
    return None if row is None else (row[0], row[1], url_path, row[2])


def find_site(*, request: HttpRequest) -> Site | None:
    """`Site.find_for_request`, kept per host, port and content generation (a saved or deleted site replaces
    the generation), and set on the request where Wagtail looks for it."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    site = kept_for_generation(
        key=f"site:{request.get_host()}:{request.get_port()}",  # the host was checked by CommonMiddleware
        compute=lambda: Site.find_for_request(request),
        request=request,
        seconds=ROUTE_SECONDS,
    )
    request._wagtail_site = site  # type: ignore[attr-defined]
    return site


def find_route(*, request: HttpRequest, path: str) -> RouteResult | None:
    """The route Wagtail would find for `path`, from the cache and one query; None when this cannot tell
    (then Wagtail routes as usual). Sets the request's route as `Page.route_for_request` does."""
    if hasattr(request, "_wagtail_route_for_request"):
        return request._wagtail_route_for_request
    site = find_site(request=request)
    if site is None:
        return None
    digest = hashlib.sha256(path.encode()).hexdigest()  # any length of path makes a short key
    entry = kept_for_generation(
        key=f"route:{site.pk}:{get_language()}:{digest}",
        compute=lambda: _entry(site=site, path=path),
        request=request,
        seconds=ROUTE_SECONDS,
    )
    if entry is None:
        return None
    page_id, content_type_id, url_path, locale_id = entry
    model: Any = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    page = model.objects.filter(pk=page_id).first()
    if page is None or not page.live or page.url_path != url_path or page.locale_id != locale_id:
        return None  # changed since the entry was made: Wagtail decides
    route = RouteResult(page)
    request._wagtail_route_for_request = route  # type: ignore[attr-defined]
    return route
