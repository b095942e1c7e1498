"""Writes about agencies and their staff: adding, editing and moving people, and setting mandates.

Every change keeps history (a person who leaves or moves keeps their old row, a role change writes a
RoleChange) and ends with one ``sync_assignments`` call so mandated training follows the roster at once.
Reads are in ``queries``, invitations in ``invitations``, roster files in ``roster_import``.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from curricula.services import sync_assignments

from .emails import queue_set_password_emails
from .invitations import invite_staff
from .models import Agency, RoleChange, StaffInvitation, StaffMember
from .queries import find_user_by_email

User = get_user_model()


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
    by: AbstractBaseUser,
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
    by: AbstractBaseUser,
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
    *, staff: StaffMember, to_agency: Agency, moved_on: date, role: str, hire_date: date, by: AbstractBaseUser
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
