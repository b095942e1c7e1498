"""Invitations: adding a person who already has an account (perhaps at another agency).

Typing an email must not hand over a person's records, so an existing account is only invited: nothing about it
changes and nothing is shared until the person accepts (or a coordinator who already covers every agency
involved approves). The link is signed and expires; only the invited account can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from curricula.services import sync_assignments

from .access import approvable_invitations
from .emails import queue_email_batches, send_templated_emails
from .models import Agency, RoleChange, StaffInvitation, StaffMember

INVITATION_SALT = "agencies.staff-invitation"
INVITATION_MAX_AGE = 14 * 24 * 60 * 60  # seconds; settings.STAFF_INVITATION_MAX_AGE overrides


class InvitationClosed(Exception):
    """The invitation was accepted or cancelled already."""


def invite_staff(
    *,
    agency: Agency,
    user: User,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    hire_date: date,
    active: bool = True,
    supervisor_email: str = "",
    by: User,
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
            {
                "email": gettext(
                    "An invitation to %(email)s is already awaiting acceptance; it can be cancelled on the roster."
                )
                % {"email": email}
            }
        ) from None
    queue_invitation_emails(invitation_ids=[invitation.pk])
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


def is_invited_account(invitation: StaffInvitation, user: User) -> bool:
    """The link works only for the account it was sent to, and only while that account has that email."""
    names = {(user.email or "").casefold(), user.get_username().casefold()} if user.is_authenticated else set()
    return user.is_authenticated and user.pk == invitation.user_id and invitation.email.casefold() in names


@transaction.atomic
def accept_invitation(*, invitation: StaffInvitation, user: User) -> StaffMember:
    """The person agrees to join the agency's roster: the staff record is created from what the agency typed."""
    if not is_invited_account(invitation, user):
        raise PermissionDenied("This invitation was sent to another account.")
    return _link_invitation(invitation, approved_by=None)


@transaction.atomic
def approve_invitation(*, invitation: StaffInvitation, by: User) -> StaffMember:
    """A coordinator who already covers every agency involved links the person without waiting for them."""
    if not approvable_invitations(by).filter(pk=invitation.pk).exists():
        raise PermissionDenied("Only a coordinator of every agency this person works at may approve this.")
    return _link_invitation(invitation, approved_by=by)


@transaction.atomic
def cancel_invitation(*, invitation: StaffInvitation, by: User) -> None:
    """Withdraw an invitation; it is kept (as history) and its link stops working."""
    pending = StaffInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, cancelled_at__isnull=True)
    updated = pending.update(cancelled_at=timezone.now(), cancelled_by=by)
    if not updated:
        raise InvitationClosed("This invitation was already accepted or cancelled.")


def _link_invitation(invitation: StaffInvitation, *, approved_by: User | None) -> StaffMember:
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
    return send_templated_emails(
        template="agencies/email/invitation",
        addressed=[
            (
                invitation.email,
                {
                    "invitation": invitation,
                    "recipient": invitation.user,
                    "link": invitation_link(invitation),
                    "site_name": settings.WAGTAIL_SITE_NAME,
                    "days": days,
                },
            )
            for invitation in invitations
            if invitation.is_pending  # not accepted, approved or cancelled since (e.g. a retry)
        ],
    )


def queue_invitation_emails(*, invitation_ids: Sequence[int]) -> None:
    """One task per batch of invitations, sent after the change that created them commits."""
    queue_email_batches(task="agencies.tasks.send_invitation_emails", ids=invitation_ids)
