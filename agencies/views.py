"""Staff screens for coordinators and agency administrators: roster, staff edits, imports, assignments.

Every view obtains its agency and staff through ``agencies.access`` (404 outside the user's scope) and hands
the change to one service function.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest
from certificates.access import visible_certificates
from compliance.actions import Action, ActionPlan, apply_action, history, plan_action, record_actions
from compliance.models import StaffActionKind
from compliance.staff_progress import progress_of_staff
from curricula.models import Assignment, AssignmentState
from curricula.rules import AssignmentStatus, assignment_status
from curricula.services import assign_curriculum, waive_assignment

from . import invitations as invites
from . import queries, roster_import, services
from .access import (
    approvable_invitations,
    get_actionable_staff,
    get_managed_agency,
    get_managed_invitation,
    get_managed_staff,
    get_team_member,
    is_coordinator,
    is_supervisor,
    managed_agencies,
    may_act_on_staff,
    require_coordinator,
    require_manager,
    supervised_staff,
)
from .forms import MAX_SELECTED as MAX_SELECTED_STAFF
from .forms import (
    AddStaffForm,
    AssignForm,
    EditStaffForm,
    MoveStaffForm,
    RosterApplyForm,
    RosterFilterForm,
    RosterUploadForm,
    StaffActionForm,
    WaiveForm,
)
from .models import Agency, StaffInvitation, StaffMember
from .roster import DEFAULT_MAX_ROWS, ParsedRoster, parse_roster, write_roster

ROSTER_PAGE_SIZE = 100
IMPORTS_SESSION_KEY = "roster_imports"
IMPORT_TTL = timedelta(hours=2)
ERRORS_SHOWN = 500


def _staff_in_agency(request: HttpRequest, slug: str, pk: int) -> tuple[Agency, StaffMember]:
    agency = get_managed_agency(request.user, slug)
    staff = get_managed_staff(request.user, pk)
    if staff.agency_id != agency.pk:
        raise Http404("No such staff member.")
    return agency, staff


def _posted(request: HttpRequest) -> QueryDict | None:
    """Bind a form on POST even when nothing is ticked (``request.POST or None`` would leave it unbound)."""
    return request.POST if request.method == "POST" else None


def _form_error(form, exc: ValidationError) -> None:
    """Show a service's field errors next to the form's inputs (or above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    agencies = queries.agencies_with_counts(managed_agencies(request.user))
    context = {"agencies": agencies, "is_coordinator": is_coordinator(request.user)}
    return render(request, "agencies/home.html", context)


@login_required
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    filter_form = RosterFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {"search": "", "role": "", "status": "active"}
    page = Paginator(queries.roster_rows(agency, **filters), ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agencies/roster.html",
        {
            "agency": agency,
            "filter_form": filter_form,
            "page": page,
            "rows": _with_progress(list(page.object_list)),
            "query": query.urlencode(),
            "invitations": queries.pending_invitations(agency),
            "here": request.get_full_path(),
        },
    )


def _with_progress(members: list[StaffMember]) -> list[tuple[StaffMember, Any]]:
    """Each person of a page with their progress (lessons, quiz attempts, last activity): seven queries."""
    progress = progress_of_staff(staff=members, today=timezone.localdate())
    return [(member, progress[member.pk]) for member in members]


@login_required
def export_roster(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{agency.slug}-roster-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # byte order mark: Excel then reads the names as UTF-8
    response.write(write_roster(queries.export_rows(agency)))
    return response


@login_required
@require_http_methods(["GET", "POST"])
def add_staff(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    form = AddStaffForm(_posted(request), agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.add_staff(agency=agency, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            if isinstance(staff, StaffInvitation):
                messages.success(
                    request,
                    gettext(
                        "%(email)s already has an account, so we emailed them an invitation. They join the "
                        "%(agency)s roster when they accept it (or a coordinator of their agencies approves it)."
                    )
                    % {"email": staff.email, "agency": agency},
                )
                return redirect("agencies:roster", slug=agency.slug)
            messages.success(
                request,
                gettext("%(name)s is on the %(agency)s roster.") % {"name": staff.display_name, "agency": agency},
            )
            return redirect("agencies:staff", slug=agency.slug, pk=staff.pk)
    return render(
        request, "agencies/staff_form.html", {"agency": agency, "form": form, "title": gettext("Add a staff member")}
    )


@login_required
def staff_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    agency, staff = _staff_in_agency(request, slug, pk)
    today = timezone.localdate()
    assignments = list(
        Assignment.objects.filter(staff=staff)
        .select_related("curriculum", "requirement__curriculum", "assigned_by")
        .order_by("due_on", "pk")
    )
    for assignment in assignments:
        shown: Any = assignment  # the template reads each row's status off it
        shown.status_code, shown.status_label = _assignment_status(assignment, today)
    other_records = (
        StaffMember.objects.filter(user_id=staff.user_id, agency__in=managed_agencies(request.user))
        .exclude(pk=staff.pk)
        .select_related("agency")
        .order_by("-hire_date")
    )
    context = {
        "agency": agency,
        "staff": staff,
        "history": history(staff=staff),
        "here": request.get_full_path(),
        "open_assignments": [a for a in assignments if a.state == AssignmentState.OPEN],
        "closed_assignments": [a for a in assignments if a.state != AssignmentState.OPEN],
        "role_changes": staff.role_changes.select_related("changed_by").order_by("-changed_at", "-pk"),
        "other_records": other_records,
        # From other agencies, only certificates are shared (their assignments stay with their own records).
        "certificates": visible_certificates(request.user).filter(user_id=staff.user_id).order_by("-issued_at", "-pk"),
    }
    return render(request, "agencies/staff_detail.html", context)


def _assignment_status(assignment: Assignment, today) -> tuple[str, str]:
    status = assignment_status(state=assignment.state, due_on=assignment.due_on, today=today)
    return status, AssignmentStatus(status).label


@login_required
@require_http_methods(["GET", "POST"])
def edit_staff(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    agency, staff = _staff_in_agency(request, slug, pk)
    form = EditStaffForm(_posted(request), staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_staff(staff=staff, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("Saved the changes for %(name)s.") % {"name": staff.display_name})
            return redirect("agencies:staff", slug=agency.slug, pk=staff.pk)
    return render(
        request,
        "agencies/staff_form.html",
        {
            "agency": agency,
            "staff": staff,
            "form": form,
            "title": gettext("Edit %(name)s") % {"name": staff.display_name},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_staff(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    agency, staff = _staff_in_agency(request, slug, pk)
    form = MoveStaffForm(_posted(request), staff=staff, agencies=managed_agencies(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.move_staff(staff=staff, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                gettext("%(name)s moved to %(agency)s; their record here is kept.")
                % {"name": staff.display_name, "agency": new.agency},
            )
            return redirect("agencies:staff", slug=new.agency.slug, pk=new.pk)
    return render(
        request,
        "agencies/staff_form.html",
        {
            "agency": agency,
            "staff": staff,
            "form": form,
            "title": gettext("Move %(name)s to another agency") % {"name": staff.display_name},
        },
    )


# ---- roster import: upload -> preview (from the session, never from the browser) -> apply ---------------


def _pending_imports(request: HttpRequest) -> dict[str, dict]:
    """Uploaded files waiting for confirmation, dropping expired ones."""
    pending = request.session.get(IMPORTS_SESSION_KEY, {})
    cutoff = (timezone.now() - IMPORT_TTL).isoformat()
    fresh = {token: entry for token, entry in pending.items() if entry["uploaded_at"] >= cutoff}
    if fresh != pending:
        request.session[IMPORTS_SESSION_KEY] = fresh
    return fresh


def _parse(agency: Agency, content: bytes) -> ParsedRoster:
    return parse_roster(
        content,
        agency_emails=queries.active_staff_emails(agency),
        agency_supervisors=queries.active_staff_supervisors(agency),
        max_bytes=settings.ROSTER_MAX_UPLOAD_BYTES,
        max_rows=getattr(settings, "ROSTER_MAX_ROWS", DEFAULT_MAX_ROWS),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_roster(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    # unbound on GET: an empty request.FILES would bind it and show "This field is required" before any upload
    form = RosterUploadForm(_posted(request), request.FILES if request.method == "POST" else None)
    parsed = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        parsed = _parse(agency, content)
        if not parsed.file_errors:
            token = secrets.token_urlsafe(16)
            pending = {t: e for t, e in _pending_imports(request).items() if e["agency"] != agency.pk}
            pending[token] = {
                "agency": agency.pk,
                "filename": upload.name[:200],
                "content": content.decode("utf-8-sig"),
                "uploaded_at": timezone.now().isoformat(),
            }
            request.session[IMPORTS_SESSION_KEY] = pending
            return redirect("agencies:import_preview", slug=agency.slug, token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "agencies/import.html", {"agency": agency, "form": form, "parsed": parsed}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: AuthenticatedRequest, slug: str, token: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    entry = _pending_imports(request).get(token)
    if entry is None or entry["agency"] != agency.pk:
        messages.error(
            request, gettext("That upload has expired or was already applied. Please upload the file again.")
        )
        return redirect("agencies:import", slug=agency.slug)
    parsed = _parse(agency, entry["content"].encode("utf-8"))
    form = RosterApplyForm(_posted(request))
    if request.method == "POST" and form.is_valid() and not parsed.file_errors:
        valid_only = form.cleaned_data["valid_rows_only"]
        if parsed.errors and not valid_only:
            form.add_error(
                None, gettext("The file has errors. Fix them and upload it again, or tick “Apply only the valid rows”.")
            )
        else:
            try:
                result = roster_import.apply_roster_import(
                    agency=agency,
                    parsed=parsed,
                    by=request.user,
                    valid_rows_only=valid_only,
                    deactivate_missing=form.cleaned_data["deactivate_missing"],
                )
            except IntegrityError:
                form.add_error(
                    None, gettext("The roster changed while the file was being applied; nothing was saved. Try again.")
                )
            else:
                pending = _pending_imports(request)
                pending.pop(token, None)
                request.session[IMPORTS_SESSION_KEY] = pending
                messages.success(request, _result_message(result))
                return redirect("agencies:roster", slug=agency.slug)
    plan = roster_import.plan_roster_import(agency=agency, parsed=parsed) if not parsed.file_errors else None
    context = {
        "agency": agency,
        "filename": entry["filename"],
        "parsed": parsed,
        "plan": plan,
        "form": form,
        "errors_shown": parsed.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(parsed.errors) - ERRORS_SHOWN),
        "rows_shown": [(row, plan.outcomes.get(row.line, "")) for row in parsed.rows[:ERRORS_SHOWN]] if plan else [],
        "rows_hidden": max(0, len(parsed.rows) - ERRORS_SHOWN),
    }
    return render(request, "agencies/import_preview.html", context, status=400 if form.errors else 200)


def _result_message(result: roster_import.RosterResult) -> str:
    parts = [
        gettext("Roster imported: %(added)s added, %(updated)s updated")
        % {"added": result.created_staff, "updated": result.updated_staff},
        gettext("%(count)s new accounts (emailed a link to set a password)") % {"count": result.created_accounts},
        gettext("%(count)s role changes") % {"count": result.role_changes},
    ]
    if result.invitations_sent:
        parts.append(
            gettext("%(count)s people who already have an account invited (they join when they accept)")
            % {"count": result.invitations_sent}
        )
    if result.already_invited:
        parts.append(
            gettext("%(count)s already invited and awaiting acceptance skipped") % {"count": result.already_invited}
        )
    if result.deactivated_missing:
        parts.append(gettext("%(count)s missing from the file marked as left") % {"count": result.deactivated_missing})
    if result.skipped_lines:
        parts.append(gettext("%(count)s lines with errors skipped") % {"count": len(result.skipped_lines)})
    if result.sync is not None:
        parts.append(
            gettext("%(added)s assignments added and %(withdrawn)s withdrawn")
            % {"added": len(result.sync.created), "withdrawn": len(result.sync.withdrawn)}
        )
    return "; ".join(parts) + "."


# ---- invitations: people who already have an account join when they accept ------------------------------


def _invitation_problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "agencies/invitation_problem.html", {"message": message}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def accept_invitation(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The invited person, signed in as the invited account, confirms (GET shows what will be shared)."""
    invitation = invites.invitation_from_token(token)
    if invitation is None:
        return _invitation_problem(request, gettext("This invitation link is not valid or has expired."), 404)
    if not invites.is_invited_account(invitation, request.user):
        return _invitation_problem(
            request,
            gettext(
                "This invitation was sent to another account. Sign out, then sign in with the account for the "
                "email address the invitation was sent to."
            ),
            403,
        )
    if not invitation.is_pending:
        if invitation.accepted_at:
            problem = gettext("This invitation was already accepted.")
        else:
            problem = gettext("This invitation was withdrawn by the agency.")
        return _invitation_problem(request, problem, 410)
    if request.method == "POST":
        try:
            invites.accept_invitation(invitation=invitation, user=request.user)
        except invites.InvitationClosed:
            return _invitation_problem(request, gettext("This invitation was already accepted or withdrawn."), 410)
        messages.success(
            request, gettext("You are now on the %(agency)s staff roster.") % {"agency": invitation.agency}
        )
        return redirect("curricula:dashboard")
    return render(request, "agencies/accept_invitation.html", {"invitation": invitation})


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """Coordinators: invitations they may approve because they already cover every agency involved."""
    require_coordinator(request.user)
    pending = approvable_invitations(request.user).select_related("agency", "invited_by").order_by("created_at", "pk")
    return render(request, "agencies/invitations.html", {"invitations": pending})


@login_required
@require_http_methods(["POST"])
def approve_invitation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = approvable_invitations(request.user).filter(pk=pk).select_related("agency").first()
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        staff = invites.approve_invitation(invitation=invitation, by=request.user)
    except (invites.InvitationClosed, PermissionDenied):
        raise Http404("No such invitation.") from None
    messages.success(
        request,
        gettext("%(name)s is now on the %(agency)s roster.")
        % {"name": staff.display_name, "agency": invitation.agency},
    )
    return redirect("agencies:invitations")


@login_required
@require_http_methods(["POST"])
def cancel_invitation(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    invitation = get_managed_invitation(request.user, agency, pk)
    try:
        invites.cancel_invitation(invitation=invitation, by=request.user)
    except invites.InvitationClosed:
        messages.error(request, gettext("That invitation was already accepted or cancelled."))
    else:
        messages.success(request, gettext("The invitation to %(email)s was cancelled.") % {"email": invitation.email})
    return redirect("agencies:roster", slug=agency.slug)


# ---- manual assignments and waivers -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    initial = {}
    if request.method == "GET" and request.GET.get("staff", "").isdigit():
        initial = {"staff": request.GET["staff"], "target": "person"}
    form = AssignForm(_posted(request), agency=agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        staff = form.chosen_staff()
        if not staff:
            form.add_error("role", gettext("Nobody active at this agency has that job role."))
        else:
            curriculum = form.cleaned_data["curriculum"]
            with transaction.atomic():
                created = assign_curriculum(
                    staff=staff, curriculum=curriculum, due_on=form.cleaned_data["due_on"], by=request.user
                )
                record_actions(kind=StaffActionKind.ASSIGNED, assignments=created, by=request.user)
            kept = len(staff) - len(created)
            message = gettext("Assigned %(code)s to %(count)s people") % {
                "code": curriculum.code,
                "count": len(created),
            }
            if kept:
                message += gettext("; %(count)s already had it open and kept the earlier due date") % {"count": kept}
            messages.success(request, message + ".")
            if form.cleaned_data["target"] == "person":
                return redirect("agencies:staff", slug=agency.slug, pk=staff[0].pk)
            return redirect("agencies:roster", slug=agency.slug)
    return render(request, "agencies/assign.html", {"agency": agency, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def waive(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    agency = get_managed_agency(request.user, slug)
    assignment = get_object_or_404(
        Assignment.objects.select_related("staff__user", "curriculum"),
        pk=pk,
        staff__agency=agency,
        state=AssignmentState.OPEN,
    )
    form = WaiveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            waive_assignment(assignment=assignment, reason=form.cleaned_data["reason"], by=request.user)
            record_actions(
                kind=StaffActionKind.WAIVED, assignments=[assignment], by=request.user, reason=assignment.waived_reason
            )
        messages.success(
            request,
            gettext("Waived %(code)s for %(name)s.")
            % {"code": assignment.curriculum.code, "name": assignment.staff.display_name},
        )
        return redirect(reverse("agencies:staff", kwargs={"slug": agency.slug, "pk": assignment.staff_id}))
    return render(request, "agencies/waive.html", {"agency": agency, "assignment": assignment, "form": form})


# ---- acting on selected staff: remind now, extend, waive, assign (supervisors, admins, coordinators) ---------


def _back(request: HttpRequest, raw: str | None, default: str) -> str:
    """Where to return after an action: the list it came from, if it is a path on this site."""
    if raw and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=False):
        return raw
    return default


def _chosen_ids(values: list[str]) -> list[int]:
    ids = {int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 12}
    return sorted(ids)[:MAX_SELECTED_STAFF]


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """A supervisor's team: progress of each person, and the actions they may take for them."""
    if not is_supervisor(request.user):
        raise PermissionDenied("This page lists the people you supervise.")
    members = (
        supervised_staff(request.user)
        .filter(active=True)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    page = Paginator(members, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": _with_progress(list(page.object_list)), "here": request.get_full_path()}
    return render(request, "agencies/team.html", context)


@login_required
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """One person someone may act on: their open training with progress, and their history of actions."""
    member = get_team_member(request.user, pk)
    today = timezone.localdate()
    assignments = list(
        Assignment.objects.filter(staff=member, state=AssignmentState.OPEN)
        .select_related("curriculum")
        .order_by("due_on", "pk")
    )
    for assignment in assignments:
        shown: Any = assignment
        shown.status_code, shown.status_label = _assignment_status(assignment, today)
    context = {
        "member": member,
        "progress": progress_of_staff(staff=[member], today=today)[member.pk],
        "assignments": assignments,
        "history": history(staff=member),
        "here": request.get_full_path(),
        "manages": managed_agencies(request.user).filter(pk=member.agency_id).exists(),
    }
    return render(request, "agencies/team_member.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def act(request: AuthenticatedRequest) -> HttpResponse:
    """Choose an action for the people ticked in a staff list (GET), see exactly who it affects (POST), then
    confirm (POST with ``confirm``). Every person is checked through ``agencies.access`` (404 otherwise)."""
    if not may_act_on_staff(request.user):
        raise PermissionDenied("Only supervisors, agency administrators and coordinators may do this.")
    data = request.POST if request.method == "POST" else request.GET
    ids = _chosen_ids(data.getlist("staff"))
    default_back = reverse("agencies:team") if is_supervisor(request.user) else reverse("agencies:home")
    back = _back(request, data.get("next"), default_back)
    if not ids:
        return render(request, "agencies/act.html", {"nobody": True, "back": back}, status=400 if data else 200)
    staff = get_actionable_staff(request.user, ids)
    if request.method == "GET":
        form = StaffActionForm(staff=staff, initial={"action": data.get("action") or None})
        return render(request, "agencies/act.html", {"form": form, "staff": staff, "back": back})
    form = StaffActionForm(request.POST, staff=staff)
    plan: ActionPlan | None = None
    if form.is_valid():
        choice = form.cleaned_data
        plan = plan_action(
            action=choice["action"], staff=staff, curriculum=choice.get("curriculum"), due_on=choice.get("due_on")
        )
        if request.POST.get("confirm") == "yes" and plan.affected:
            try:
                done = apply_action(
                    plan=plan,
                    by=request.user,
                    curriculum=choice.get("curriculum"),
                    due_on=choice.get("due_on"),
                    reason=choice.get("reason", ""),
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _done_message(plan, count=len(done)))
                return redirect(back)
    context = {"form": form, "staff": staff, "back": back, "plan": plan}
    return render(request, "agencies/act.html", context, status=200 if form.is_valid() else 400)


def _done_message(plan: ActionPlan, *, count: int) -> str:
    names = ", ".join(item.staff.display_name for item in plan.affected[:10])
    if len(plan.affected) > 10:
        names = gettext("%(names)s and %(count)s more") % {"names": names, "count": len(plan.affected) - 10}
    what = {
        Action.REMIND: ngettext(
            "Reminder emailed to %(count)s person: %(names)s. It is in their history.",
            "Reminder emailed to %(count)s people: %(names)s. It is in their history.",
            count,
        ),
        Action.EXTEND: ngettext(
            "Due date extended for %(count)s person: %(names)s. It is in their history.",
            "Due date extended for %(count)s people: %(names)s. It is in their history.",
            count,
        ),
        Action.WAIVE: ngettext(
            "Waived for %(count)s person: %(names)s. It is in their history.",
            "Waived for %(count)s people: %(names)s. It is in their history.",
            count,
        ),
        Action.ASSIGN: ngettext(
            "Assigned to %(count)s person: %(names)s. It is in their history.",
            "Assigned to %(count)s people: %(names)s. It is in their history.",
            count,
        ),
    }[plan.action]
    return what % {"count": count, "names": names}
