"""Writes about agencies and their staff: adding, editing and moving people, and setting mandates.

Every change keeps history (a person who leaves or moves keeps their old row, a role change writes a
RoleChange) and ends with one ``sync_assignments`` call so mandated training follows the roster at once.
Reads are in ``queries``, invitations in ``invitations``, roster files in ``roster_import``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from curricula.models import CurriculumPage, Requirement
from curricula.services import sync_assignments
from outbox.services import enqueue

from .access import may_mandate_for
from .emails import queue_set_password_emails
from .invitations import invite_staff
from .models import Agency, RoleChange, ServiceCategory, StaffInvitation, StaffMember
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
            errors["supervisor"] = "The supervisor must be an active staff member of the same agency."
        elif staff is not None and supervisor.pk == staff.pk:
            errors["supervisor"] = "A person cannot be their own supervisor."
    if not active and left_on is None:
        errors["left_on"] = "Enter the date this person left."
    if left_on is not None and left_on < hire_date:
        errors["left_on"] = "The leaving date cannot be before the hire date."
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
        raise ValidationError({"email": f"{email} is already on the {agency} roster."})
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
        raise ValidationError({"to_agency": "Choose a different agency."})
    if moved_on < old.hire_date:
        raise ValidationError({"moved_on": "The move cannot be before the hire date at the current agency."})
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
# Mandates (curricula.Requirement): they reach every agency funded for their categories
# --------------------------------------------------------------------------------------------------------

MANDATE_FIELDS = ["curriculum", "roles", "due_days_after_hire", "starts_on", "renew_every_months", "active"]


def _check_mandate_scope(*, by: User, categories: Sequence[ServiceCategory]) -> None:
    """The admin form says this next to the field; here it holds for every caller (a scoped coordinator never
    sets, changes or removes training at agencies outside their scope)."""
    if not may_mandate_for(by, categories):
        raise PermissionDenied("This mandate reaches agencies outside yours.")


def _queue_full_sync() -> None:
    """Everyone's assignments are re-derived once the change commits (recorded in the outbox, so a broker
    outage delays the sync instead of losing it; a rolled-back change queues nothing)."""
    enqueue(task="curricula.tasks.sync_all_assignments")


@transaction.atomic
def create_requirement(
    *,
    curriculum: CurriculumPage,
    categories: Sequence[ServiceCategory],
    roles: list[str],
    due_days_after_hire: int,
    starts_on: date,
    renew_every_months: int,
    active: bool,
    by: User,
) -> Requirement:
    """Require ``curriculum`` of staff in ``roles`` at agencies funded for ``categories``."""
    categories = list(categories)
    _check_mandate_scope(by=by, categories=categories)
    requirement = Requirement.objects.create(
        curriculum=curriculum,
        roles=list(roles),
        due_days_after_hire=due_days_after_hire,
        starts_on=starts_on,
        renew_every_months=renew_every_months,
        active=active,
    )
    requirement.categories.set(categories)
    _queue_full_sync()
    return requirement


@transaction.atomic
def update_requirement(
    *,
    requirement: Requirement,
    curriculum: CurriculumPage,
    categories: Sequence[ServiceCategory],
    roles: list[str],
    due_days_after_hire: int,
    starts_on: date,
    renew_every_months: int,
    active: bool,
    by: User,
) -> Requirement:
    """Change a mandate: allowed only if both the agencies it reaches now and those it would reach are ``by``'s.
    Assignments follow (new ones added, ones no longer targeted withdrawn)."""
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    categories = list(categories)
    _check_mandate_scope(by=by, categories=list(current.categories.all()))
    _check_mandate_scope(by=by, categories=categories)
    current.curriculum, current.roles, current.active = curriculum, list(roles), active
    current.due_days_after_hire, current.starts_on = due_days_after_hire, starts_on
    current.renew_every_months = renew_every_months
    current.save(update_fields=MANDATE_FIELDS)
    current.categories.set(categories)
    _queue_full_sync()
    return current


@transaction.atomic
def delete_requirement(*, requirement: Requirement, by: User) -> None:
    """Remove a mandate; its open assignments are withdrawn by the sync, completed ones stay (evidence)."""
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    _check_mandate_scope(by=by, categories=list(current.categories.all()))
    current.delete()
    _queue_full_sync()
