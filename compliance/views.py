"""Compliance screens and exports.

Every view obtains its agency or people through ``agencies.access`` (404 outside the user's scope, before
any byte of an export is produced), evaluates compliance with ``queries`` and renders."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django_ratelimit.decorators import ratelimit

from accounts.http import AuthenticatedRequest
from agencies.access import (
    get_managed_agency,
    get_visible_staff,
    is_coordinator,
    is_supervisor,
    managed_agencies,
    manages_all_agencies,
    require_coordinator,
    supervised_staff,
)
from agencies.models import StaffMember
from certificates.models import Certificate, CertificateStatus
from config.gcpause import collector_paused
from curricula.models import Assignment, CurriculumCompletion

from .actions import history as action_history
from .charts import trend_chart
from .exports import (
    check_export,
    describe_scope,
    in_english,
    long_rows,
    pdf_export,
    program_rows,
    stream_csv,
    wide_rows,
)
from .forms import MatrixFilterForm, VerifyExportForm, parse_as_of
from .models import ExportKind, ExportRecord, ReminderLog
from .program_page import program_page_body
from .queries import (
    HEADLINE_RULE,
    Matrix,
    Status,
    Totals,
    load_compliance,
    month_ends,
    supervisors_of,
)
from .services import start_export
from .timelines import dashboard_overview, describe_page

PAGE_SIZE = 100
EXPORT_KINDS = {"csv-wide": ExportKind.CSV_WIDE, "csv-long": ExportKind.CSV_LONG, "pdf": ExportKind.PDF}
PROGRAM_EXPORT_KINDS = {"csv-wide": ExportKind.CSV_WIDE, "csv-long": ExportKind.CSV_LONG}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the compliance view of their scope."""
    user = request.user
    if is_coordinator(user):
        return redirect("compliance:program")
    agencies = list(managed_agencies(user).order_by("name"))
    if len(agencies) == 1:
        return redirect("compliance:agency", slug=agencies[0].slug)
    if agencies:
        return render(request, "compliance/agency_list.html", {"agencies": agencies})
    if is_supervisor(user):
        return redirect("compliance:team")
    raise PermissionDenied("Compliance reports are for supervisors, agency administrators and coordinators.")


def _query_without(request: HttpRequest, *names: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _filtered_matrix(
    request: HttpRequest, matrix: Matrix, *, show_supervisor: bool, supervisors: list[StaffMember] | None = None
) -> tuple[Matrix, Totals, MatrixFilterForm]:
    """The table as filtered, and the headline (`Matrix.headline`: every filter but the status one)."""
    data = request.GET.copy()
    data["as_of"] = matrix.as_of.isoformat()
    if supervisors is None:
        supervisors = matrix.supervisors()
    form = MatrixFilterForm(data, supervisors=supervisors, curricula=matrix.curricula, show_supervisor=show_supervisor)
    filters = form.filters()
    shown = matrix.filtered(
        role=filters.get("role"),
        supervisor_id=filters.get("supervisor"),
        status=filters.get("status"),
        curriculum_id=filters.get("curriculum"),
    )
    headline = matrix.headline(
        role=filters.get("role"), supervisor_id=filters.get("supervisor"), curriculum_id=filters.get("curriculum")
    )
    return shown, headline, form


def _dashboard(request: HttpRequest, *, staff: QuerySet[StaffMember], show_supervisor: bool) -> dict:
    """Totals, filters and 12-month trend of all these people, and one page of the matrix: one load,
    evaluated for 13 dates; notes, names and evidence are read for the page's people only."""
    as_of, date_error = parse_as_of(request.GET)
    # The records of a large agency are a million small objects. They are all freed when _summarise returns,
    # before the collector runs again: alive, they would be scanned by its next pass (a third of a second).
    with collector_paused():
        context = _summarise(request, staff=staff, as_of=as_of, show_supervisor=show_supervisor)
    return {
        **context,
        "as_of": as_of,
        "date_error": date_error,
        "statuses": list(Status),
        "chart": trend_chart(context["trend"]),
        "filter_query": _query_without(request, "page"),
    }


def _summarise(request: HttpRequest, *, staff: QuerySet[StaffMember], as_of: date, show_supervisor: bool) -> dict:
    """Everything the dashboard shows, holding nothing per person but the page's rows."""
    days = month_ends(as_of)
    everyone, trend, records = dashboard_overview(staff=staff, days=days)
    shown, headline, form = _filtered_matrix(
        request, everyone, show_supervisor=show_supervisor, supervisors=supervisors_of(everyone.rows)
    )
    # Filters apply before paging; totals count every person the filters keep, not only this page.
    page: Page[Any] = Paginator(range(len(shown.rows)), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = describe_page(
        staff=staff, matrix=shown, rows=[shown.rows[i] for i in page.object_list], start=days[0], records=records
    )
    page.object_list = rows
    return {
        "form": form,
        "matrix": Matrix(as_of=shown.as_of, curricula=shown.curricula, rows=rows),
        "page": page,
        "page_links": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
        "people_total": len(everyone.rows),
        "overall": shown.overall(),
        "headline": headline,
        "headline_rule": HEADLINE_RULE,
        "by_curriculum": shown.totals_by_curriculum(),
        "by_role": shown.totals_by_role(),
        "trend": trend,
    }


@login_required
def agency_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    context = _dashboard(request, staff=StaffMember.objects.filter(agency=agency), show_supervisor=True)
    exports = ExportRecord.objects.filter(agency=agency).order_by("-generated_at")[:10]
    return render(request, "compliance/agency_dashboard.html", {**context, "agency": agency, "exports": exports})


@login_required
def team_dashboard(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(request.user):
        raise PermissionDenied("This page lists the people you supervise.")
    context = _dashboard(request, staff=supervised_staff(request.user), show_supervisor=False)
    return render(request, "compliance/team_dashboard.html", context)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's record: status on the date, status at each month end, and the evidence behind it."""
    member = get_visible_staff(request.user, pk)
    as_of, date_error = parse_as_of(request.GET)
    days = month_ends(as_of)
    records = load_compliance(staff=StaffMember.objects.filter(pk=member.pk), start=days[0], end=as_of)
    matrices = [records.matrix(day) for day in [*days[:-1], as_of]]
    current = matrices[-1]
    history = [(m.as_of, m.rows[0].cells if m.rows else None) for m in reversed(matrices)]
    row = current.rows[0] if current.rows else None
    certificates = Certificate.objects.filter(user_id=member.user_id).order_by("-issued_at")
    context = {
        "member": member,
        "as_of": as_of,
        "date_error": date_error,
        "curricula": records.curricula,
        "row": row,
        "status_rows": list(zip(records.curricula, row.cells, strict=True)) if row else [],
        "history": history,
        "assignments": Assignment.objects.filter(staff=member)
        .select_related("curriculum")
        .order_by("-required_from", "-pk"),
        "completions": CurriculumCompletion.objects.filter(user_id=member.user_id).order_by("-completed_at"),
        "certificates": [(c, *_certificate_status(c, as_of)) for c in certificates],
        "can_manage": managed_agencies(request.user).filter(pk=member.agency_id).exists(),
        "actions": action_history(staff=member),
    }
    return render(request, "compliance/staff_detail.html", context)


def _certificate_status(cert: Certificate, on: date) -> tuple[str, str]:
    if timezone.localdate(cert.issued_at) > on:
        return "not_applicable", gettext("Not yet issued")
    status = CertificateStatus(cert.status(on=on))
    return status.value, status.label


@login_required
def program(request: HttpRequest) -> HttpResponse:
    require_coordinator(request.user)
    as_of, date_error = parse_as_of(request.GET)
    all_agencies = manages_all_agencies(request.user)

    body = program_page_body(
        agencies=managed_agencies(request.user),
        as_of=as_of,
        today=timezone.localdate(),
        date_error=date_error,
        all_agencies=all_agencies,
    )
    return render(request, "compliance/program.html", {"program_body": body})


@login_required
@in_english
def program_export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """Every agency in the coordinator's scope in one CSV, stamped with a verification code. Streamed a
    batch of agencies at a time, so memory does not grow with the program."""
    require_coordinator(request.user)
    export_kind = PROGRAM_EXPORT_KINDS.get(kind)
    if export_kind is None:
        raise Http404("No such export.")
    as_of, _ = parse_as_of(request.GET)
    agencies = managed_agencies(request.user)
    scope = describe_scope(count=agencies.count(), everything=manages_all_agencies(request.user))
    record = start_export(kind=export_kind, scope=scope, as_of=as_of, filters={}, user=request.user)
    rows = program_rows(agencies=agencies, as_of=as_of, kind=export_kind)
    response = StreamingHttpResponse(stream_csv(record=record, rows=rows), content_type="text/csv; charset=utf-8")
    return _as_export(response, record=record, filename=f"compliance-program-{as_of.isoformat()}-{kind}.csv")


@login_required
@in_english
def export(request: AuthenticatedRequest, slug: str, kind: str) -> HttpResponseBase:
    """CSV (streamed) or PDF of the dashboard as filtered, stamped with a verification code."""
    agency = get_managed_agency(request.user, slug)
    export_kind = EXPORT_KINDS.get(kind)
    if export_kind is None:
        raise Http404("No such export.")
    as_of, _ = parse_as_of(request.GET)
    records = load_compliance(staff=StaffMember.objects.filter(agency=agency), start=as_of, end=as_of)
    shown, headline, form = _filtered_matrix(request, records.matrix(as_of), show_supervisor=True)
    record = start_export(kind=export_kind, agency=agency, as_of=as_of, filters=form.describe(), user=request.user)
    filename = f"compliance-{agency.slug}-{as_of.isoformat()}"
    if export_kind == ExportKind.PDF:
        response: HttpResponse | StreamingHttpResponse = HttpResponse(
            pdf_export(record=record, matrix=shown, headline=headline), content_type="application/pdf"
        )
        filename += ".pdf"  # not "-pdf.pdf": the extension says it
    else:
        rows = wide_rows(shown) if export_kind == ExportKind.CSV_WIDE else long_rows(shown)
        response = StreamingHttpResponse(
            stream_csv(record=record, rows=rows, headline=headline), content_type="text/csv; charset=utf-8"
        )
        filename += f"-{kind}.csv"
    return _as_export(response, record=record, filename=filename)


def _as_export(response: HttpResponseBase, *, record: ExportRecord, filename: str) -> HttpResponseBase:
    """A download that no cache keeps, carrying the code it can be verified with."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Export-Code"] = record.code
    return response


@ratelimit(key="ip", rate="30/m", method="POST", block=True)
def verify_export(request: HttpRequest) -> HttpResponse:
    """Public: is this file an export we produced, byte for byte?"""
    result = None
    if request.method == "POST":
        form = VerifyExportForm(request.POST, request.FILES)
        if form.is_valid():
            result = check_export(code=form.cleaned_data["code"], chunks=form.cleaned_data["file"].chunks())
    else:
        form = VerifyExportForm(initial={"code": request.GET.get("code", "")[:40]})
    return render(request, "compliance/verify_export.html", {"form": form, "result": result})


@login_required
def my_reminders(request: AuthenticatedRequest) -> HttpResponse:
    reminders = ReminderLog.objects.filter(recipient=request.user).order_by("-sent_at", "-pk")[:200]
    return render(request, "compliance/my_reminders.html", {"reminders": reminders})
