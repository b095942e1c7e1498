"""The competency pages: a learner's own standing, the framework, and for managers a competency x staff heat
map (agency, supervisor's team) and the program roll-up by agency, each exportable as CSV. Who may see which
people is decided in `agencies.access`; these views only ask it."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.http import AuthenticatedRequest
from agencies.access import (
    get_managed_agency,
    is_coordinator,
    is_supervisor,
    managed_agencies,
    require_coordinator,
    supervised_staff,
)
from agencies.models import StaffMember
from config.csvutil import Echo, safe_cell

from .models import Competency, Domain
from .queries import HeatMap, ProgramRollup, heat_map, learner_competencies, program_rollup
from .rules import EVIDENCE_RULE, Standing

PAGE_SIZE = 100


def _domain(request: HttpRequest) -> tuple[str, str]:
    """The domain filter from the query string, or all; an unknown value is said, not a 500."""
    value = request.GET.get("domain", "")
    if value and value not in Domain.values:
        return "", gettext("Unknown domain: showing every competency.")
    return value, ""


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    """My competencies: each with its evidence (which quiz, when), or the lessons that teach it."""
    today = timezone.localdate()
    items = learner_competencies(user_id=request.user.pk, on=today)
    domains = []
    for value, label in Domain.choices:
        group = [item for item in items if item.competency.domain == value]
        if group:
            domains.append((label, group))
    context = {
        "today": today,
        "domains": domains,
        "demonstrated": sum(1 for item in items if item.standing == Standing.DEMONSTRATED),
        "total": len(items),
        "rule": EVIDENCE_RULE,
        "agencies": list(managed_agencies(request.user).order_by("name")[:50]),
        "supervisor": is_supervisor(request.user),
        "coordinator": is_coordinator(request.user),
    }
    return render(request, "competencies/mine.html", context)


def framework(request: HttpRequest) -> HttpResponse:
    """The framework itself, public: what each code means (certificates and badges link here)."""
    competencies = list(Competency.objects.all())
    domains = [(label, [c for c in competencies if c.domain == value]) for value, label in Domain.choices]
    return render(request, "competencies/framework.html", {"domains": [d for d in domains if d[1]]})


def _heat_map_page(request: HttpRequest, *, staff: QuerySet[StaffMember], title: str, export_url: str) -> HttpResponse:
    domain, domain_error = _domain(request)
    result = heat_map(staff=staff, on=timezone.localdate(), domain=domain)
    page = Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "map": result,
        "page": page,
        "domain": domain,
        "domain_error": domain_error,
        "domains": Domain.choices,
        "rule": EVIDENCE_RULE,
        "labels": Standing.LABELS,
        "export_url": export_url + (f"?domain={domain}" if domain else ""),
    }
    return render(request, "competencies/heat_map.html", context)


@login_required
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_managed_agency(request.user, slug)
    return _heat_map_page(
        request,
        staff=StaffMember.objects.filter(agency=found),
        title=gettext("Competencies at %(agency)s") % {"agency": found.name},
        export_url=reverse("competencies:agency_export", args=[found.slug]),
    )


@login_required
def agency_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    found = get_managed_agency(request.user, slug)
    domain, _ = _domain(request)
    result = heat_map(staff=StaffMember.objects.filter(agency=found), on=timezone.localdate(), domain=domain)
    return _csv(_heat_map_rows(result), filename=f"competencies-{found.slug}-{result.on:%Y-%m-%d}.csv")


def _require_supervisor(request: HttpRequest) -> None:
    if not is_supervisor(request.user):
        raise PermissionDenied(gettext("This page lists the people you supervise."))


@login_required
def team(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    return _heat_map_page(
        request,
        staff=supervised_staff(request.user),
        title=gettext("Competencies of my team"),
        export_url=reverse("competencies:team_export"),
    )


@login_required
def team_export(request: HttpRequest) -> StreamingHttpResponse:
    _require_supervisor(request)
    domain, _ = _domain(request)
    result = heat_map(staff=supervised_staff(request.user), on=timezone.localdate(), domain=domain)
    return _csv(_heat_map_rows(result), filename=f"competencies-my-team-{result.on:%Y-%m-%d}.csv")


@login_required
def program(request: HttpRequest) -> HttpResponse:
    require_coordinator(request.user)
    domain, domain_error = _domain(request)
    rollup = program_rollup(agencies=managed_agencies(request.user), on=timezone.localdate(), domain=domain)
    context = {
        "rollup": rollup,
        "domain": domain,
        "domain_error": domain_error,
        "domains": Domain.choices,
        "rule": EVIDENCE_RULE,
    }
    return render(request, "competencies/program.html", context)


@login_required
def program_export(request: HttpRequest) -> StreamingHttpResponse:
    require_coordinator(request.user)
    domain, _ = _domain(request)
    rollup = program_rollup(agencies=managed_agencies(request.user), on=timezone.localdate(), domain=domain)
    return _csv(_program_rows(rollup), filename=f"competencies-program-{rollup.on:%Y-%m-%d}.csv")


def _heat_map_rows(result: HeatMap) -> Iterator[list[object]]:
    yield ["person", "email", "role", *[c.code for c in result.competencies], "demonstrated"]
    for row in result.rows:
        yield [
            row.member.display_name,
            row.member.user.email,
            row.member.get_role_display(),
            *[Standing.LABELS[cell] for cell in row.cells],
            row.demonstrated,
        ]
    yield []
    yield ["competency", "short name", "domain", "people demonstrating", "of", "percent"]
    for summary in result.summaries:
        c = summary.competency
        yield [c.code, c.short_name, c.get_domain_display(), summary.demonstrated, summary.staff, summary.percent]
    yield []
    yield [f"As of {result.on:%Y-%m-%d}. {EVIDENCE_RULE}"]


def _program_rows(rollup: ProgramRollup) -> Iterator[list[object]]:
    yield ["agency", "active staff", *[f"{c.code} %" for c in rollup.competencies], "overall %"]
    for row in rollup.agencies:
        yield [row.agency.name, row.staff, *row.percents(), row.overall]
    yield ["All agencies in scope", sum(a.staff for a in rollup.agencies), *rollup.totals(), ""]
    yield []
    yield [f"As of {rollup.on:%Y-%m-%d}. {EVIDENCE_RULE}"]


def _csv(rows: Iterator[list[object]], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(value) for value in row]) for row in rows), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
