"""Roster import: what a parsed roster file would change (the preview) and applying it (one transaction).

Parsing and checking the file is ``agencies.roster`` (no database); this module compares it with the agency's
roster and writes. An existing account that is not on this roster is only invited, never linked by a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from curricula.services import SyncResult, sync_assignments

from .emails import queue_set_password_emails
from .invitations import queue_invitation_emails
from .models import Agency, RoleChange, StaffInvitation, StaffMember
from .queries import pending_invitations, users_by_email
from .roster import ParsedRoster, RosterRow

OUTCOME_NEW_ACCOUNT = gettext_lazy("new account")
OUTCOME_INVITE = gettext_lazy("existing account: invitation will be sent")
OUTCOME_ALREADY_INVITED = gettext_lazy("existing account: invitation already sent, awaiting acceptance (row skipped)")
OUTCOME_STAFF = gettext_lazy("already staff here")


class RosterNotValid(Exception):
    """The file has errors and the user did not choose to apply only the valid rows."""


@dataclass
class RosterPlan:
    """What applying a roster file would do, computed the same way for the preview and for the import."""

    rows: list[RosterRow]
    users: dict[str, User]
    staff_by_user: dict[int, StaffMember]
    new_accounts: list[RosterRow] = field(default_factory=list)
    new_staff: list[RosterRow] = field(default_factory=list)
    invitations: list[RosterRow] = field(default_factory=list)  # existing accounts: invited, not linked
    already_invited: list[RosterRow] = field(default_factory=list)  # an invitation is awaiting acceptance
    outcomes: dict[int, str | Promise] = field(default_factory=dict)  # line -> what happens to that person
    changed: list[tuple[StaffMember, RosterRow]] = field(default_factory=list)
    role_changes: list[tuple[StaffMember, RosterRow]] = field(default_factory=list)
    leaving: list[tuple[StaffMember, RosterRow]] = field(default_factory=list)
    returning: list[tuple[StaffMember, RosterRow]] = field(default_factory=list)
    unchanged: int = 0
    missing: list[StaffMember] = field(default_factory=list)
    deactivate_missing: bool = False


def plan_roster_import(*, agency: Agency, parsed: ParsedRoster, deactivate_missing: bool = False) -> RosterPlan:
    """Compare the valid rows with the agency's roster in three queries (accounts, current staff, pending
    invitations). An existing account that is not on this roster is only invited (never linked by a file)."""
    rows = parsed.rows
    users = users_by_email(row.email for row in rows)
    staff = list(StaffMember.objects.filter(agency=agency).select_related("user", "supervisor__user"))
    invited = set(pending_invitations(agency).values_list("user_id", flat=True))
    plan = RosterPlan(
        rows=rows, users=users, staff_by_user={m.user_id: m for m in staff}, deactivate_missing=deactivate_missing
    )
    for row in rows:
        user = users.get(row.email)
        member = plan.staff_by_user.get(user.pk) if user is not None else None
        if user is None:
            plan.new_accounts.append(row)
            plan.new_staff.append(row)
            plan.outcomes[row.line] = OUTCOME_NEW_ACCOUNT
            continue
        if member is None:
            if user.pk in invited:
                plan.already_invited.append(row)
                plan.outcomes[row.line] = OUTCOME_ALREADY_INVITED
            else:
                plan.invitations.append(row)
                plan.outcomes[row.line] = OUTCOME_INVITE
            continue
        plan.outcomes[row.line] = OUTCOME_STAFF
        current_supervisor = member.supervisor.user.email.casefold() if member.supervisor else ""
        same = (
            member.role == row.role
            and member.hire_date == row.hire_date
            and member.active == row.active
            and current_supervisor == row.supervisor_email
        )
        if same:
            plan.unchanged += 1
            continue
        plan.changed.append((member, row))
        if member.role != row.role:
            plan.role_changes.append((member, row))
        if member.active and not row.active:
            plan.leaving.append((member, row))
        if not member.active and row.active:
            plan.returning.append((member, row))
    in_file = {u.pk for u in users.values()}
    plan.missing = sorted(
        (
            m
            for m in staff
            if m.active and m.user_id not in in_file and m.user.email.casefold() not in parsed.emails_in_file
        ),
        key=lambda m: (m.user.last_name, m.user.first_name, m.user.email),
    )
    return plan


@dataclass
class RosterResult:
    created_accounts: int = 0
    created_staff: int = 0
    updated_staff: int = 0
    role_changes: int = 0
    invitations_sent: int = 0
    already_invited: int = 0
    deactivated_missing: int = 0
    skipped_lines: list[int] = field(default_factory=list)
    sync: SyncResult | None = None


def apply_roster_import(
    *,
    agency: Agency,
    parsed: ParsedRoster,
    by: User,
    valid_rows_only: bool = False,
    deactivate_missing: bool = False,
    today: date | None = None,
) -> RosterResult:
    """Apply a validated roster in one transaction with a fixed number of queries, however long the file:
    accounts and staff are bulk-created and bulk-updated, then assignments are synced once for everyone
    touched. Nothing is written unless the whole file is valid or ``valid_rows_only`` is chosen."""
    if parsed.file_errors or not parsed.rows:
        raise RosterNotValid("The file cannot be imported.")
    if parsed.errors and not valid_rows_only:
        raise RosterNotValid("The file has errors; fix them or choose to apply only the valid rows.")
    today = today or timezone.localdate()
    now = timezone.now()
    result = RosterResult(skipped_lines=parsed.invalid_lines)
    with transaction.atomic():
        Agency.objects.select_for_update().only("pk").get(pk=agency.pk)  # one import per agency at a time
        plan = plan_roster_import(agency=agency, parsed=parsed, deactivate_missing=deactivate_missing)
        users = _create_accounts(plan)
        result.created_accounts = len(plan.new_accounts)
        _fill_blank_names(plan)

        # Supervisors: whoever the file names, else an active member of the agency with that email.
        by_email: dict[str, StaffMember] = {
            m.user.email.casefold(): m for m in plan.staff_by_user.values() if m.active and m.user.email
        }
        for row in plan.rows:
            if users[row.email].pk in plan.staff_by_user:
                by_email[row.email] = plan.staff_by_user[users[row.email].pk]
        invitee_emails = {row.email for row in plan.invitations + plan.already_invited}
        new_staff, late = _create_staff_in_waves(
            agency=agency, plan=plan, users=users, by_email=by_email, today=today, unlinked=invitee_emails
        )
        result.created_staff = len(new_staff)

        to_update: list[StaffMember] = late
        for member, row in plan.changed:
            member.role, member.hire_date, member.active = row.role, row.hire_date, row.active
            member.left_on = None if row.active else (member.left_on or today)
            member.supervisor = by_email.get(row.supervisor_email) if row.supervisor_email else None
            member.updated_at = now
            to_update.append(member)
        if to_update:
            StaffMember.objects.bulk_update(
                to_update, ["role", "hire_date", "supervisor", "active", "left_on", "updated_at"]
            )
        result.updated_staff = len(plan.changed)

        role_rows = [RoleChange(staff=m, role=m.role, changed_by=by) for m in new_staff]
        role_rows += [RoleChange(staff=m, role=row.role, changed_by=by) for m, row in plan.role_changes]
        RoleChange.objects.bulk_create(role_rows)
        result.role_changes = len(plan.role_changes)

        # Never lock the importing administrator out of their own agency by leaving them off the file.
        missing_ids = [m.pk for m in plan.missing if m.user_id != by.pk] if deactivate_missing else []
        if missing_ids:
            StaffMember.objects.filter(pk__in=missing_ids, active=True).update(
                active=False, left_on=today, updated_at=now
            )
        result.deactivated_missing = len(missing_ids)

        # Existing accounts from elsewhere: invited, with the people they will supervise once they accept.
        invitations = StaffInvitation.objects.bulk_create(
            [
                StaffInvitation(
                    agency=agency,
                    user=users[row.email],
                    email=row.email,
                    first_name="" if row.name.casefold() == row.email else row.first_name,
                    last_name="" if row.name.casefold() == row.email else row.last_name,
                    role=row.role,
                    hire_date=row.hire_date,
                    active=row.active,
                    supervisor_email=row.supervisor_email,
                    invited_by=by,
                )
                for row in plan.invitations
            ]
        )
        invitation_by_email = {row.email: inv for row, inv in zip(plan.invitations, invitations, strict=True)}
        if plan.already_invited:
            earlier = {inv.user_id: inv for inv in pending_invitations(agency)}
            invitation_by_email.update({row.email: earlier[users[row.email].pk] for row in plan.already_invited})
        member_by_email = {row.email: by_email[row.email] for row in plan.rows if row.email in by_email}
        through = StaffInvitation.supervises.through
        through.objects.bulk_create(
            [
                through(staffinvitation_id=invitation_by_email[row.supervisor_email].pk, staffmember_id=supervised.pk)
                for row in plan.rows
                if row.supervisor_email in invitation_by_email and (supervised := member_by_email.get(row.email))
            ],
            ignore_conflicts=True,  # a re-imported file names the same people again
        )
        result.invitations_sent = len(invitations)
        result.already_invited = len(plan.already_invited)

        touched = [m.pk for m in new_staff] + [m.pk for m, _row in plan.changed] + missing_ids
        if touched:
            result.sync = sync_assignments(staff_ids=touched, today=today)
        queue_set_password_emails(user_ids=[users[row.email].pk for row in plan.new_accounts])
        queue_invitation_emails(invitation_ids=[inv.pk for inv in invitations])
    return result


MAX_WAVES = 8


def _create_staff_in_waves(
    *,
    agency: Agency,
    plan: RosterPlan,
    users: dict[str, User],
    by_email: dict[str, StaffMember],
    today: date,
    unlinked: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[StaffMember], list[StaffMember]]:
    """Insert new staff with their supervisor already set, each after the insert that creates their supervisor
    (supervisors first, then their staff...). That costs one statement per level of the hierarchy instead of a
    bulk UPDATE, whose CASE expression grows with the square of the rows. Past ``MAX_WAVES`` levels (or in a
    loop of new people supervising each other) the rest are inserted together and returned to be updated.
    Adds the new records to ``by_email``; returns (all new records, records whose supervisor is still unset).
    People supervised by someone in ``unlinked`` (invited, not yet accepted) start without a supervisor.
    """
    remaining = list(plan.new_staff)
    created: list[StaffMember] = []
    late: list[StaffMember] = []
    waves = 0
    while remaining:
        waves += 1
        ready = [
            r
            for r in remaining
            if not r.supervisor_email or r.supervisor_email in by_email or r.supervisor_email in unlinked
        ]
        last = waves >= MAX_WAVES or not ready
        wave = remaining if last else ready
        members = StaffMember.objects.bulk_create(
            [
                StaffMember(
                    user=users[row.email],
                    agency=agency,
                    role=row.role,
                    hire_date=row.hire_date,
                    active=row.active,
                    left_on=None if row.active else today,
                    supervisor=by_email.get(row.supervisor_email) if row.supervisor_email else None,
                )
                for row in wave
            ]
        )
        for row, member in zip(wave, members, strict=True):
            by_email[row.email] = member
        created.extend(members)
        if last:
            for row, member in zip(wave, members, strict=True):
                if row.supervisor_email and member.supervisor_id is None:
                    member.supervisor = by_email.get(row.supervisor_email)
                    late.append(member)
            break
        done = {row.email for row in wave}
        remaining = [r for r in remaining if r.email not in done]
    return created, late


def _create_accounts(plan: RosterPlan) -> dict[str, User]:
    """Bulk-create the accounts the file needs; each starts without a password (they get a link)."""
    new_users = []
    for row in plan.new_accounts:
        first, last = ("", "") if row.name.casefold() == row.email else (row.first_name, row.last_name)
        user = User(username=row.email, email=row.email, first_name=first, last_name=last)
        user.set_unusable_password()
        new_users.append(user)
    created = User.objects.bulk_create(new_users)
    users = dict(plan.users)
    users.update({u.email: u for u in created})
    return users


def _fill_blank_names(plan: RosterPlan) -> None:
    """An existing account may serve several agencies, so its name is only filled in, never overwritten."""
    named = []
    for row in plan.rows:
        user = plan.users.get(row.email)
        if user is None or user.pk not in plan.staff_by_user:
            continue  # new accounts are named when created; invited ones are not touched before they accept
        if user.first_name or user.last_name or row.name.casefold() == row.email:
            continue  # named already, or the export's stand-in (the email) for an account without a name
        if row.first_name or row.last_name:
            user.first_name, user.last_name = row.first_name, row.last_name
            named.append(user)
    if named:
        User.objects.bulk_update(named, ["first_name", "last_name"])
