"""The program view's page body: the same for every coordinator with the same scope, so it is rendered without
the request and kept with the overview it shows (`program_cache.cached_program_page`), and the whole program's
page is rendered ahead, nightly, in every language."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from agencies.models import Agency

from .charts import trend_chart
from .program_cache import cached_program_page
from .queries import HEADLINE_RULE, ProgramOverview, Status


def render_program_body(overview: ProgramOverview, *, as_of: date, date_error: str, all_agencies: bool) -> str:
    """The program view's content for `overview`, in the active language (no per-person context)."""
    context = {
        "overview": overview,
        "as_of": as_of,
        "date_error": date_error,
        "chart": trend_chart(overview.trend),
        "trend": overview.trend,
        "statuses": list(Status),
        "headline_rule": HEADLINE_RULE,
        "all_agencies": all_agencies,
    }
    return render_to_string("compliance/_program_body.html", context)


def program_page_body(
    *, agencies: QuerySet[Agency], as_of: date, today: date, date_error: str, all_agencies: bool
) -> str:
    """The body for these agencies and this date in the active language: kept while nothing it shows changed."""

    def render(overview: ProgramOverview) -> str:
        return render_program_body(overview, as_of=as_of, date_error=date_error, all_agencies=all_agencies)

    variant = f"{translation.get_language()}|{all_agencies}|{date_error}"
    return cached_program_page(agencies=agencies, as_of=as_of, today=today, variant=variant, render=render)


def warm_program_pages(*, today: date) -> int:
    """The whole program's page for today, in every language, rendered into the cache (nightly, after the
    assignment sync): the first coordinator of the day who manages every agency reads it at once instead of
    waiting for the computation and the render (4.6 s at 51,000 staff). Coordinators scoped to some agencies
    have a key of their own, computed at their first visit. Returns the number of pages kept."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            program_page_body(agencies=Agency.objects.all(), as_of=today, today=today, date_error="", all_agencies=True)
    return len(settings.LANGUAGES)
