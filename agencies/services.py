"""Writes about agencies and their staff: adding, editing and moving people, and setting mandates.

Every change keeps history (a person who leaves or moves keeps their old row, a role change writes a
RoleChange) and ends with one ``sync_assignments`` call so mandated training follows the roster at once.
Reads are in ``queries``, invitations in ``invitations``, roster files in ``roster_import``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from curricula.models import Assignment, AssignmentState, CurriculumPage, Requirement
from curricula.services import sync_assignments
from outbox.services import enqueue

from .access import mandate_reach, may_mandate_for
from .emails import queue_set_password_emails
from .invitations import invite_staff
from .models import Agency, JobRole, RoleChange, ServiceCategory, StaffInvitation, StaffMember
from .queries import find_user_by_email


def _check_details(
    *,
    staff: StaffMember | None,
    agency: Agency,
    hire_date: date,
    supervisor: StaffMember | None,
    active: bool,
    left_on: date | None,
) -> None:
    """The rules a staff record must meet, as field errors a form can show next to its inputs."""
    errors: dict[str, str] = {}
    if supervisor is not None:
        if supervisor.agency_id != agency.pk or not supervisor.active:
            errors["supervisor"] = gettext("The supervisor must be an active staff member of the same agency.")
        elif staff is not None and supervisor.pk == staff.pk:
            errors["supervisor"] = "A person cannot be their own supervisor."
    if not active and left_on is None:
        errors["left_on"] = gettext("Enter the date this person left.")
    if left_on is not None and left_on < hire_date:
        errors["left_on"] = gettext("The leaving date cannot be before the hire date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_staff(
    *,
    agency: Agency,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    hire_date: date,
    supervisor: StaffMember | None = None,
    by: User,
) -> StaffMember | StaffInvitation:
    """Put a person on an agency's roster, creating their account if the email is new (they are emailed a
    link to set a password). Someone who left the agency before is re-activated, keeping one row.

    An email that already has an account (perhaps at another agency) is only invited: typing an email must
    not hand over a person's records, so they are linked when they accept or a coordinator approves."""
    email = email.strip()
    _check_details(staff=None, agency=agency, hire_date=hire_date, supervisor=supervisor, active=True, left_on=None)
    user = find_user_by_email(email)
    created = user is None
    if user is None:
        user = User(username=email.casefold(), email=email.casefold(), first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
        queue_set_password_emails(user_ids=[user.pk])
    staff = StaffMember.objects.select_for_update().filter(user=user, agency=agency).first()
    if staff is not None and staff.active:
        raise ValidationError(
            {"email": gettext("%(email)s is already on the %(agency)s roster.") % {"email": email, "agency": agency}}
        )
    if staff is None and not created:
        return invite_staff(
            agency=agency,
            user=user,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            hire_date=hire_date,
            supervisor_email=supervisor.user.email if supervisor else "",
            by=by,
        )
    if staff is None:
        staff = StaffMember.objects.create(
            user=user, agency=agency, role=role, hire_date=hire_date, supervisor=supervisor
        )
        RoleChange.objects.create(staff=staff, role=role, changed_by=by)
    else:
        previous_role = staff.role
        staff.role, staff.hire_date, staff.supervisor = role, hire_date, supervisor
        staff.active, staff.left_on = True, None
        staff.save(update_fields=["role", "hire_date", "supervisor", "active", "left_on", "updated_at"])
        if previous_role != role:
            RoleChange.objects.create(staff=staff, role=role, changed_by=by)
    sync_assignments(staff_ids=[staff.pk])
    return staff


@transaction.atomic
def update_staff(
    *,
    staff: StaffMember,
    role: str,
    hire_date: date,
    supervisor: StaffMember | None,
    active: bool,
    left_on: date | None,
    by: User,
    is_agency_admin: bool | None = None,
) -> StaffMember:
    """Change a person's role, dates, supervisor or status. Leaving keeps the row (active off, left_on set);
    a role change is recorded, and assignments follow (new mandates added, ones no longer targeted withdrawn)."""
    current = StaffMember.objects.select_for_update().get(pk=staff.pk)
    left_on = None if active else left_on
    _check_details(
        staff=current,
        agency=current.agency,
        hire_date=hire_date,
        supervisor=supervisor,
        active=active,
        left_on=left_on,
    )
    role_changed = current.role != role
    current.role, current.hire_date, current.supervisor = role, hire_date, supervisor
    current.active, current.left_on = active, left_on
    fields = ["role", "hire_date", "supervisor", "active", "left_on", "updated_at"]
    if is_agency_admin is not None:
        current.is_agency_admin = is_agency_admin
        fields.append("is_agency_admin")
    current.save(update_fields=fields)
    if role_changed:
        RoleChange.objects.create(staff=current, role=role, changed_by=by)
    sync_assignments(staff_ids=[current.pk])
    return current


@transaction.atomic
def move_staff(
    *, staff: StaffMember, to_agency: Agency, moved_on: date, role: str, hire_date: date, by: User
) -> StaffMember:
    """Move a person to another agency: the old record ends on ``moved_on`` (kept as history, with its
    completed training) and a record at the new agency starts, or a former one there is re-activated."""
    old = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if to_agency.pk == old.agency_id:
        raise ValidationError({"to_agency": gettext("Choose a different agency.")})
    if moved_on < old.hire_date:
        raise ValidationError({"moved_on": gettext("The move cannot be before the hire date at the current agency.")})
    if old.active:
        old.active, old.left_on = False, moved_on
        old.save(update_fields=["active", "left_on", "updated_at"])
    new = StaffMember.objects.select_for_update().filter(user_id=old.user_id, agency=to_agency).first()
    if new is None:
        new = StaffMember.objects.create(user_id=old.user_id, agency=to_agency, role=role, hire_date=hire_date)
        RoleChange.objects.create(staff=new, role=role, changed_by=by)
    else:
        role_changed = new.role != role
        new.role, new.hire_date, new.supervisor = role, hire_date, None
        new.active, new.left_on = True, None
        new.save(update_fields=["role", "hire_date", "supervisor", "active", "left_on", "updated_at"])
        if role_changed:
            RoleChange.objects.create(staff=new, role=role, changed_by=by)
    sync_assignments(staff_ids=[old.pk, new.pk])
    return new


# --------------------------------------------------------------------------------------------------------
# Mandates (curricula.Requirement): all agencies or chosen ones, optionally narrowed by funded categories
# --------------------------------------------------------------------------------------------------------

MANDATE_FIELDS = ["curriculum", "all_agencies", "roles", "due_days_after_hire", "starts_on", "active"]


def _check_mandate_scope(*, by: User, categories: Sequence[ServiceCategory], agencies: Sequence[Agency] | None) -> None:
    """The admin form says this next to the field; here it holds for every caller (a scoped coordinator never
    sets, changes or removes training at agencies outside their scope)."""
    if not may_mandate_for(by, categories, agencies=agencies):
        raise PermissionDenied("This mandate reaches agencies outside yours.")


def _check_mandate(*, all_agencies: bool, agencies: Sequence[Agency], roles: list[str]) -> None:
    errors: dict[str, str] = {}
    if not all_agencies and not agencies:
        errors["agencies"] = "Choose at least one agency, or make the mandate for all agencies."
    if not roles:
        errors["roles"] = "Choose at least one job role."
    if errors:
        raise ValidationError(errors)


def _queue_full_sync() -> None:
    """Everyone's assignments are re-derived once the change commits (recorded in the outbox, so a broker
    outage delays the sync instead of losing it; a rolled-back change queues nothing)."""
    enqueue(task="curricula.tasks.sync_all_assignments")


@transaction.atomic
def create_requirement(
    *,
    curriculum: CurriculumPage,
    all_agencies: bool = True,
    agencies: Sequence[Agency] = (),
    categories: Sequence[ServiceCategory],
    roles: list[str],
    due_days_after_hire: int,
    starts_on: date,
    active: bool,
    by: User,
) -> Requirement:
    """Require ``curriculum`` of staff in ``roles`` at all agencies or ``agencies``, narrowed to those funded
    for ``categories`` when any are given."""
    categories, agencies = list(categories), list(agencies)
    _check_mandate(all_agencies=all_agencies, agencies=agencies, roles=roles)
    _check_mandate_scope(by=by, categories=categories, agencies=None if all_agencies else agencies)
    requirement = Requirement.objects.create(
        curriculum=curriculum,
        all_agencies=all_agencies,
        roles=list(roles),
        due_days_after_hire=due_days_after_hire,
        starts_on=starts_on,
        active=active,
    )
    requirement.categories.set(categories)
    requirement.agencies.set([] if all_agencies else agencies)
    _queue_full_sync()
    return requirement


def _current_scope(requirement: Requirement) -> tuple[list[ServiceCategory], list[Agency] | None]:
    categories = list(requirement.categories.all())
    return categories, None if requirement.all_agencies else list(requirement.agencies.all())


@transaction.atomic
def update_requirement(
    *,
    requirement: Requirement,
    curriculum: CurriculumPage,
    all_agencies: bool = True,
    agencies: Sequence[Agency] = (),
    categories: Sequence[ServiceCategory],
    roles: list[str],
    due_days_after_hire: int,
    starts_on: date,
    active: bool,
    by: User,
) -> Requirement:
    """Change a mandate: allowed only if both the agencies it reaches now and those it would reach are ``by``'s.
    Assignments follow (new ones added, ones no longer targeted withdrawn)."""
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    categories, agencies = list(categories), list(agencies)
    _check_mandate(all_agencies=all_agencies, agencies=agencies, roles=roles)
    now_categories, now_agencies = _current_scope(current)
    _check_mandate_scope(by=by, categories=now_categories, agencies=now_agencies)
    _check_mandate_scope(by=by, categories=categories, agencies=None if all_agencies else agencies)
    current.curriculum, current.roles, current.active = curriculum, list(roles), active
    current.all_agencies = all_agencies
    current.due_days_after_hire, current.starts_on = due_days_after_hire, starts_on
    current.save(update_fields=MANDATE_FIELDS)
    current.categories.set(categories)
    current.agencies.set([] if all_agencies else agencies)
    _queue_full_sync()
    return current


@transaction.atomic
def delete_requirement(*, requirement: Requirement, by: User) -> None:
    """Remove a mandate; its open assignments are withdrawn by the sync, completed ones stay (evidence)."""
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    now_categories, now_agencies = _current_scope(current)
    _check_mandate_scope(by=by, categories=now_categories, agencies=now_agencies)
    current.delete()
    _queue_full_sync()


@dataclass(frozen=True)
class PreviewRow:
    """One person a mandate change would assign or withdraw (copied out before the dry run rolls back)."""

    name: str
    agency: str
    role: str
    due_on: date
    already_complete: bool = False


@dataclass
class MandatePreview:
    """What saving a mandate would do, derived by the real assignment sync in a transaction that is rolled
    back: who would be assigned (and by when), and whose open assignments would be withdrawn."""

    curriculum_live: bool
    assigned: list[PreviewRow] = field(default_factory=list)
    withdrawn: list[PreviewRow] = field(default_factory=list)

    @property
    def to_do(self) -> list[PreviewRow]:
        return [row for row in self.assigned if not row.already_complete]

    @property
    def already_complete(self) -> list[PreviewRow]:
        return [row for row in self.assigned if row.already_complete]

    @property
    def agencies(self) -> list[tuple[str, int]]:
        """(agency, number of people newly assigned there), by name."""
        counts: dict[str, int] = {}
        for row in self.to_do:
            counts[row.agency] = counts.get(row.agency, 0) + 1
        return sorted(counts.items())

    @property
    def due_dates(self) -> tuple[date, date] | None:
        """The earliest and latest due date of the new assignments (one date when all are due together)."""
        dates = [row.due_on for row in self.to_do]
        return (min(dates), max(dates)) if dates else None


class _DryRun(Exception):
    """Raised to roll the preview's transaction back."""


def _rows(assignments: list[Assignment]) -> list[PreviewRow]:
    roles = dict(JobRole.choices)
    staff = StaffMember.objects.select_related("user", "agency").in_bulk([a.staff_id for a in assignments])
    rows = [
        PreviewRow(
            name=staff[a.staff_id].user.get_full_name() or staff[a.staff_id].user.email,
            agency=staff[a.staff_id].agency.name,
            role=str(roles.get(staff[a.staff_id].role, staff[a.staff_id].role)),
            due_on=a.due_on,
            already_complete=a.state == AssignmentState.COMPLETED,
        )
        for a in assignments
    ]
    return sorted(rows, key=lambda row: (row.agency, row.name.casefold()))


def preview_requirement(
    *,
    requirement: Requirement | None = None,
    curriculum: CurriculumPage,
    all_agencies: bool = True,
    agencies: Sequence[Agency] = (),
    categories: Sequence[ServiceCategory],
    roles: list[str],
    due_days_after_hire: int,
    starts_on: date,
    active: bool,
    by: User,
    today: date | None = None,
) -> MandatePreview:
    """What creating (``requirement`` None) or changing a mandate would assign and withdraw, without saving.

    The real services run in a transaction that is rolled back: the sync first catches up with anything it
    has not yet applied (so the preview shows only this change), then the change is made and synced again."""
    everyone = all_agencies and not categories
    reach = [mandate_reach(agencies=None if all_agencies else list(agencies), categories=list(categories))]
    if requirement is not None:
        now_categories, now_agencies = _current_scope(requirement)
        everyone = everyone or (now_agencies is None and not now_categories)
        reach.append(mandate_reach(agencies=now_agencies, categories=now_categories))
    affected = StaffMember.objects.filter(agency__in=[a.pk for q in reach for a in q])
    staff_ids = None if everyone else list(affected.values_list("pk", flat=True))
    preview = MandatePreview(curriculum_live=curriculum.live)
    try:
        with transaction.atomic():
            sync_assignments(staff_ids=staff_ids, today=today)
            if requirement is None:
                create_requirement(
                    curriculum=curriculum, all_agencies=all_agencies, agencies=agencies, categories=categories,
                    roles=roles, due_days_after_hire=due_days_after_hire, starts_on=starts_on, active=active, by=by,
                )  # fmt: skip
            else:
                update_requirement(
                    requirement=requirement, curriculum=curriculum, all_agencies=all_agencies, agencies=agencies,
                    categories=categories, roles=roles, due_days_after_hire=due_days_after_hire,
                    starts_on=starts_on, active=active, by=by,
                )  # fmt: skip
            result = sync_assignments(staff_ids=staff_ids, today=today)
            preview.assigned = _rows(result.created)
            preview.withdrawn = _rows(result.withdrawn)
            raise _DryRun
    except _DryRun:
        pass
    return preview
