"""Writes about agencies and their staff: adding, editing, moving people and importing rosters.

Every change keeps history (a person who leaves or moves keeps their old row, a role change writes a
RoleChange) and ends with one ``sync_assignments`` call so mandated training follows the roster at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from curricula.services import SyncResult, sync_assignments

from .models import Agency, RoleChange, StaffInvitation, StaffMember
from .roster import ParsedRoster, RosterRow

User = get_user_model()
EMAIL_BATCH = 100  # users per set-password task: a retry resends at most this many messages

# --------------------------------------------------------------------------------------------------------
# Reads used by the roster screens
# --------------------------------------------------------------------------------------------------------


def agencies_with_counts(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    """The agency list on the home page, with active staff counted in the same query."""
    return agencies.annotate(active_staff=Count("staff", filter=Q(staff__active=True))).order_by("name")


def roster_rows(agency: Agency, *, role: str = "", status: str = "active", search: str = "") -> QuerySet[StaffMember]:
    """An agency's staff for the roster table: one query per page whatever the size of the roster."""
    qs = (
        StaffMember.objects.filter(agency=agency)
        .select_related("user", "supervisor__user")
        .annotate(open_assignments=Count("assignments", filter=Q(assignments__state="open")))
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )
    if role:
        qs = qs.filter(role=role)
    if status == "active":
        qs = qs.filter(active=True)
    elif status == "inactive":
        qs = qs.filter(active=False)
    if search:
        for term in search.split():
            qs = qs.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__email__icontains=term)
            )
    return qs


def active_staff_emails(agency: Agency) -> set[str]:
    """Lower-cased emails of an agency's active staff: who may be named as a supervisor in a roster file."""
    emails = StaffMember.objects.filter(agency=agency, active=True).values_list(Lower("user__email"), flat=True)
    return {e for e in emails if e}


def active_staff_supervisors(agency: Agency) -> dict[str, str]:
    """Lower-cased email -> supervisor's email for the agency's active staff, so a roster file that would
    close a supervisor loop through someone it does not list is caught."""
    pairs = StaffMember.objects.filter(agency=agency, active=True, supervisor__isnull=False).values_list(
        Lower("user__email"), Lower("supervisor__user__email")
    )
    return {email: boss for email, boss in pairs if email and boss}


def pending_invitations(agency: Agency) -> QuerySet[StaffInvitation]:
    """Invitations the agency sent that nobody has accepted or cancelled: shown with the typed details only."""
    return StaffInvitation.objects.filter(agency=agency, accepted_at__isnull=True, cancelled_at__isnull=True).order_by(
        "last_name", "first_name", "email", "pk"
    )


def export_rows(agency: Agency) -> list[list[str]]:
    """The roster in the import format (active and former staff), so an export can be edited and re-imported."""
    rows = []
    staff = (
        StaffMember.objects.filter(agency=agency)
        .select_related("user", "supervisor__user")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )
    for member in staff:
        supervisor = member.supervisor.user.email if member.supervisor else ""
        name = member.user.get_full_name() or member.user.email
        rows.append(
            [
                name,
                member.user.email,
                member.role,
                member.hire_date.isoformat(),
                supervisor,
                "yes" if member.active else "no",
            ]
        )
    return rows


# --------------------------------------------------------------------------------------------------------
# One person at a time
# --------------------------------------------------------------------------------------------------------


def find_user_by_email(email: str) -> AbstractBaseUser | None:
    """The account for an email, ignoring case (usernames are emails here, so they are checked too)."""
    return _users_by_email([email]).get(email.strip().casefold())


def _users_by_email(emails: Iterable[str]) -> dict[str, AbstractBaseUser]:
    """Lower-cased email -> user in one query; an email match wins over a username match, then the oldest."""
    keys = {e.strip().casefold() for e in emails if e.strip()}
    if not keys:
        return {}
    users = list(
        User.objects.annotate(email_key=Lower("email"), username_key=Lower("username"))
        .filter(Q(email_key__in=keys) | Q(username_key__in=keys))
        .order_by("pk")
    )
    found: dict[str, AbstractBaseUser] = {}
    for user in users:
        if user.email_key in keys:
            found.setdefault(user.email_key, user)
    for user in users:
        if user.username_key in keys:
            found.setdefault(user.username_key, user)
    return found


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
        queue_set_password_emails([user.pk])
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


# --------------------------------------------------------------------------------------------------------
# Set-password email for accounts created here
# --------------------------------------------------------------------------------------------------------


def set_password_link(user: AbstractBaseUser) -> str:
    """The same one-time link Django's password reset sends (it works for accounts with no password yet)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def send_set_password_emails(*, users: Sequence[AbstractBaseUser]) -> int:
    """Email each new account a link to choose a password, over one mail connection."""
    return _send_emails(
        "agencies/email/set_password",
        [
            (user.email, {"user": user, "link": set_password_link(user), "site_name": settings.WAGTAIL_SITE_NAME})
            for user in users
            # skip anyone who set a password already (e.g. a retry after the first send)
            if user.email and not user.has_usable_password()
        ],
    )


def _send_emails(template: str, addressed: Sequence[tuple[str, dict]]) -> int:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` for each (address, context) and send them
    all over one mail connection."""
    messages = []
    for address, context in addressed:
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
        messages.append(EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def _queue_email_batches(*, task: str, ids: Sequence[int]) -> None:
    """Recorded in the outbox with the change, one task per batch in one INSERT, sent after commit: nobody is
    emailed about a change that rolled back, and a broker outage delays the emails instead of losing them."""
    from outbox.services import enqueue_many

    ids = list(ids)
    batches = [[ids[start : start + EMAIL_BATCH]] for start in range(0, len(ids), EMAIL_BATCH)]
    enqueue_many(task=task, args_list=batches)


def queue_set_password_emails(user_ids: Sequence[int]) -> None:
    _queue_email_batches(task="agencies.tasks.send_set_password_emails", ids=user_ids)


# --------------------------------------------------------------------------------------------------------
# Invitations: adding a person who already has an account
# --------------------------------------------------------------------------------------------------------

INVITATION_SALT = "agencies.staff-invitation"
INVITATION_MAX_AGE = 14 * 24 * 60 * 60  # seconds; settings.STAFF_INVITATION_MAX_AGE overrides


class InvitationClosed(Exception):
    """The invitation was accepted or cancelled already."""


def invite_staff(
    *,
    agency: Agency,
    user: AbstractBaseUser,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    hire_date: date,
    active: bool = True,
    supervisor_email: str = "",
    by: AbstractBaseUser,
) -> StaffInvitation:
    """Record that ``agency`` wants ``user`` on its roster and email them a link to accept. Nothing about the
    account changes and nothing is shared until then (see ``accept_invitation``)."""
    try:
        with transaction.atomic():
            invitation = StaffInvitation.objects.create(
                agency=agency,
                user=user,
                email=email.strip().casefold(),
                first_name=first_name,
                last_name=last_name,
                role=role,
                hire_date=hire_date,
                active=active,
                supervisor_email=supervisor_email.casefold(),
                invited_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"email": f"An invitation to {email} is already awaiting acceptance; it can be cancelled on the roster."}
        ) from None
    queue_invitation_emails([invitation.pk])
    return invitation


def invitation_link(invitation: StaffInvitation) -> str:
    """A signed, expiring link naming the invitation (Django's signing; only the invited account can use it)."""
    token = signing.dumps(invitation.pk, salt=INVITATION_SALT)
    return f"{settings.SITE_URL}{reverse('agencies:accept_invitation', args=[token])}"


def invitation_from_token(token: str) -> StaffInvitation | None:
    """The invitation a link names, or None for a tampered, foreign or expired link."""
    max_age = getattr(settings, "STAFF_INVITATION_MAX_AGE", INVITATION_MAX_AGE)
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(pk, int):
        return None
    return StaffInvitation.objects.select_related("agency", "invited_by").filter(pk=pk).first()


def is_invited_account(invitation: StaffInvitation, user: AbstractBaseUser) -> bool:
    """The link works only for the account it was sent to, and only while that account has that email."""
    names = {(user.email or "").casefold(), user.get_username().casefold()} if user.is_authenticated else set()
    return user.is_authenticated and user.pk == invitation.user_id and invitation.email.casefold() in names


@transaction.atomic
def accept_invitation(*, invitation: StaffInvitation, user: AbstractBaseUser) -> StaffMember:
    """The person agrees to join the agency's roster: the staff record is created from what the agency typed."""
    if not is_invited_account(invitation, user):
        raise PermissionDenied("This invitation was sent to another account.")
    return _link_invitation(invitation, approved_by=None)


@transaction.atomic
def approve_invitation(*, invitation: StaffInvitation, by: AbstractBaseUser) -> StaffMember:
    """A coordinator who already covers every agency involved links the person without waiting for them."""
    from .access import approvable_invitations

    if not approvable_invitations(by).filter(pk=invitation.pk).exists():
        raise PermissionDenied("Only a coordinator of every agency this person works at may approve this.")
    return _link_invitation(invitation, approved_by=by)


@transaction.atomic
def cancel_invitation(*, invitation: StaffInvitation, by: AbstractBaseUser) -> None:
    """Withdraw an invitation; it is kept (as history) and its link stops working."""
    pending = StaffInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, cancelled_at__isnull=True)
    updated = pending.update(cancelled_at=timezone.now(), cancelled_by=by)
    if not updated:
        raise InvitationClosed("This invitation was already accepted or cancelled.")


def _link_invitation(invitation: StaffInvitation, *, approved_by: AbstractBaseUser | None) -> StaffMember:
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationClosed("This invitation was already accepted or cancelled.")
    today, now = timezone.localdate(), timezone.now()
    supervisor = None
    if invitation.supervisor_email:
        supervisor = (
            StaffMember.objects.filter(
                agency_id=invitation.agency_id, active=True, user__email__iexact=invitation.supervisor_email
            )
            .exclude(user_id=invitation.user_id)
            .first()
        )
    staff = (
        StaffMember.objects.select_for_update()
        .filter(user_id=invitation.user_id, agency_id=invitation.agency_id)
        .first()
    )
    if staff is None:
        staff = StaffMember.objects.create(
            user_id=invitation.user_id,
            agency_id=invitation.agency_id,
            role=invitation.role,
            hire_date=invitation.hire_date,
            supervisor=supervisor,
            active=invitation.active,
            left_on=None if invitation.active else today,
        )
        RoleChange.objects.create(staff=staff, role=invitation.role, changed_by=invitation.invited_by)
    elif not staff.active:  # they worked here before: one row, re-activated
        role_changed = staff.role != invitation.role
        staff.role, staff.hire_date, staff.supervisor = invitation.role, invitation.hire_date, supervisor
        staff.active, staff.left_on = True, None
        staff.save(update_fields=["role", "hire_date", "supervisor", "active", "left_on", "updated_at"])
        if role_changed:
            RoleChange.objects.create(staff=staff, role=invitation.role, changed_by=invitation.invited_by)
    # (already active here, e.g. a coordinator moved them meanwhile: nothing to add)
    if staff.active:
        # The people the agency said this person supervises: staff who were waiting for them, and invitees
        # who accepted first and named them as supervisor.
        accepted_below = StaffInvitation.objects.filter(
            agency_id=invitation.agency_id, supervisor_email__iexact=invitation.email, staff__isnull=False
        ).values("staff")
        supervisees = StaffMember.objects.filter(
            Q(pk__in=invitation.supervises.values("pk")) | Q(pk__in=accepted_below),
            agency_id=invitation.agency_id,
            active=True,
            supervisor=None,
        ).exclude(pk=staff.pk)
        if supervisor is not None:
            supervisees = supervisees.exclude(pk=supervisor.pk)
        supervisees.update(supervisor=staff, updated_at=now)
    user = User.objects.get(pk=invitation.user_id)
    if not (user.first_name or user.last_name) and (invitation.first_name or invitation.last_name):
        user.first_name, user.last_name = invitation.first_name, invitation.last_name
        user.save(update_fields=["first_name", "last_name"])
    invitation.accepted_at, invitation.approved_by, invitation.staff = now, approved_by, staff
    invitation.save(update_fields=["accepted_at", "approved_by", "staff"])
    sync_assignments(staff_ids=[staff.pk])
    return staff


def send_invitation_emails(*, invitations: Sequence[StaffInvitation]) -> int:
    """Email each invited person the link to accept, over one mail connection."""
    days = getattr(settings, "STAFF_INVITATION_MAX_AGE", INVITATION_MAX_AGE) // 86400
    return _send_emails(
        "agencies/email/invitation",
        [
            (
                invitation.email,
                {
                    "invitation": invitation,
                    "link": invitation_link(invitation),
                    "site_name": settings.WAGTAIL_SITE_NAME,
                    "days": days,
                },
            )
            for invitation in invitations
            if invitation.is_pending  # not accepted, approved or cancelled since (e.g. a retry)
        ],
    )


def queue_invitation_emails(invitation_ids: Sequence[int]) -> None:
    _queue_email_batches(task="agencies.tasks.send_invitation_emails", ids=invitation_ids)


# --------------------------------------------------------------------------------------------------------
# Roster import
# --------------------------------------------------------------------------------------------------------


OUTCOME_NEW_ACCOUNT = "new account"
OUTCOME_INVITE = "existing account: invitation will be sent"
OUTCOME_ALREADY_INVITED = "existing account: invitation already sent, awaiting acceptance (row skipped)"
OUTCOME_STAFF = "already staff here"


class RosterNotValid(Exception):
    """The file has errors and the user did not choose to apply only the valid rows."""


@dataclass
class RosterPlan:
    """What applying a roster file would do, computed the same way for the preview and for the import."""

    rows: list[RosterRow]
    users: dict[str, AbstractBaseUser]
    staff_by_user: dict[int, StaffMember]
    new_accounts: list[RosterRow] = field(default_factory=list)
    new_staff: list[RosterRow] = field(default_factory=list)
    invitations: list[RosterRow] = field(default_factory=list)  # existing accounts: invited, not linked
    already_invited: list[RosterRow] = field(default_factory=list)  # an invitation is awaiting acceptance
    outcomes: dict[int, str] = field(default_factory=dict)  # line -> what happens to that person
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
    users = _users_by_email(row.email for row in rows)
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
    by: AbstractBaseUser,
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
                through(staffinvitation_id=invitation_by_email[row.supervisor_email].pk, staffmember_id=member.pk)
                for row in plan.rows
                if row.supervisor_email in invitation_by_email and (member := member_by_email.get(row.email))
            ],
            ignore_conflicts=True,  # a re-imported file names the same people again
        )
        result.invitations_sent = len(invitations)
        result.already_invited = len(plan.already_invited)

        touched = [m.pk for m in new_staff] + [m.pk for m, _row in plan.changed] + missing_ids
        if touched:
            result.sync = sync_assignments(staff_ids=touched, today=today)
        queue_set_password_emails([users[row.email].pk for row in plan.new_accounts])
        queue_invitation_emails([inv.pk for inv in invitations])
    return result


MAX_WAVES = 8


def _create_staff_in_waves(
    *,
    agency: Agency,
    plan: RosterPlan,
    users: dict[str, AbstractBaseUser],
    by_email: dict[str, StaffMember],
    today: date,
    unlinked: set[str] = frozenset(),
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


def _create_accounts(plan: RosterPlan) -> dict[str, AbstractBaseUser]:
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
