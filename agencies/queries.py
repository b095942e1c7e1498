"""Reads about agencies and their staff: the roster screens' lists, the export, accounts by email.

Querysets and plain values only; nothing here writes. Who may see an agency is decided in ``agencies.access``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from .models import Agency, StaffInvitation, StaffMember


def agencies_with_counts(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    """The agency list on the home page, with active staff counted in the same query. Counted over a fresh
    queryset: `managed_agencies` of an agency admin joins staff (to find the admin), and an annotation on that
    queryset would reuse the join and count only the admin's own row."""
    fresh = Agency.objects.filter(pk__in=agencies.values("pk"))
    return fresh.annotate(active_staff=Count("staff", filter=Q(staff__active=True))).order_by("name")


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


def find_user_by_email(email: str) -> User | None:
    """The account for an email, ignoring case (usernames are emails here, so they are checked too)."""
    return users_by_email([email]).get(email.strip().casefold())


def users_by_email(emails: Iterable[str]) -> dict[str, User]:
    """Lower-cased email -> user in one query; an email match wins over a username match, then the oldest."""
    keys = {e.strip().casefold() for e in emails if e.strip()}
    if not keys:
        return {}
    users = list(
        User.objects.annotate(email_key=Lower("email"), username_key=Lower("username"))
        .filter(Q(email_key__in=keys) | Q(username_key__in=keys))
        .order_by("pk")
    )
    found: dict[str, User] = {}
    for user in users:
        if user.email_key in keys:
            found.setdefault(user.email_key, user)
    for user in users:
        if user.username_key in keys:
            found.setdefault(user.username_key, user)
    return found
