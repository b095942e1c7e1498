"""Project-wide views: health check, error pages, rate-limit response."""

import logging
from contextlib import suppress
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from wagtail import views as wagtail_views
from wagtail.models import Locale, Page, Site

from config.celery import app
from content.routing import find_route

logger = logging.getLogger("cmtp.health")

BROKER_CONNECT_TIMEOUT = 2  # seconds: a load balancer polls often and must get an answer quickly


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "unhealthy", reported by class name only
        logger.warning("health check: database unreachable", extra={"error": exc.__class__.__name__})
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    """Open a connection to the configured broker (not the one cached when Celery was configured, so that a
    changed setting is what is checked). No retries: a broker that does not answer at once is unhealthy."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return "eager (no broker configured)"
    try:
        with app.connection_for_write(url=url, connect_timeout=BROKER_CONNECT_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        logger.warning("health check: broker unreachable", extra={"error": exc.__class__.__name__})
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Checked by load balancers and monitoring: the database must answer, and the broker when one is
    configured. 200 with {"status": "ok"} when healthy, 503 otherwise; never any detail beyond a class name."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = not any(value.startswith("error") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "429.html", status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an error anywhere, including a database or cache outage: a plain template rendered
    without the request, so no context processor (menu, roles, session) touches any service."""
    return HttpResponseServerError(loader.get_template("500.html").render())


def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability (docs/security.md says how reports are handled)."""
    expires = (timezone.now() + timedelta(days=180)).replace(microsecond=0).isoformat()
    body = (
        f"Contact: {settings.SECURITY_CONTACT}\n"
        f"Expires: {expires}\n"
        "Preferred-Languages: en, es\n"
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


def serve_page(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page serving, kinder under /es/: a page with no Spanish translation yet is shown in English
    (its content marked lang="en" by base.html) rather than a 404, so every link on the Spanish site works.
    Most pages are found in one query (`content.routing`); Wagtail routes the rest."""
    find_route(request=request, path=path)
    if Page.route_for_request(request, path) is None and get_language() != settings.LANGUAGE_CODE:
        site = Site.find_for_request(request)
        if site is not None:
            root = site.root_page.get_translation_or_none(Locale.get_default()) or site.root_page
            with suppress(Http404):
                request._wagtail_route_for_request = root.specific.route(  # type: ignore[attr-defined]
                    request, [part for part in path.split("/") if part]
                )
    return wagtail_views.serve(request, path)
