"""Who may see what. Every view, export and admin screen obtains agencies and staff through here.

Scopes:
- site administrator (superuser): every agency;
- training coordinator: every agency, or the agencies their coordinator record lists;
- agency administrator: the agencies where they hold an active staff record with ``is_agency_admin``;
- supervisor: the staff they supervise (directly): they read their records and may act for them (remind,
  extend a due date, waive, assign: `actionable_staff`), never edit them;
- learner: their own records only.

Someone an agency has only invited (``StaffInvitation``, not yet accepted) has no staff record there, so none
of these scopes reaches their records through that agency; ``approvable_invitations`` says who may link them
without waiting for them to accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Agency, ServiceCategory, StaffInvitation, StaffMember

_Mandate = TypeVar("_Mandate", bound=Model)  # curricula.Requirement (above this app: passed in, never imported)

AnyUser = User | AnonymousUser


def is_coordinator(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or hasattr(user, "coordinator")


def managed_agencies(user: AnyUser) -> QuerySet[Agency]:
    """Agencies whose roster, assignments and reports this user may manage."""
    if not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    coordinator = getattr(user, "coordinator", None)
    admin_of = Q(staff__user=user, staff__active=True, staff__is_agency_admin=True)
    if coordinator is not None:
        if coordinator.all_agencies:
            return Agency.objects.all()
        return Agency.objects.filter(Q(coordinators=coordinator) | admin_of).distinct()
    return Agency.objects.filter(admin_of).distinct()


def manages_all_agencies(user: AnyUser) -> bool:
    """Site administrators and coordinators of every agency: their scope is the whole program."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or getattr(getattr(user, "coordinator", None), "all_agencies", False)


def manages_coordinators(user: AnyUser) -> bool:
    """Only site administrators create coordinators or change their scope: nobody widens their own."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def mandate_reach(*, agencies: Iterable[Agency] | None, categories: Iterable[ServiceCategory]) -> QuerySet[Agency]:
    """The agencies a mandate reaches: every agency (``agencies`` None) or the chosen ones, narrowed to those
    funded for any of ``categories`` when some are given."""
    reached = Agency.objects.all() if agencies is None else Agency.objects.filter(pk__in=[a.pk for a in agencies])
    wanted = list(categories)
    if wanted:
        reached = reached.filter(pk__in=Agency.objects.filter(categories__in=wanted).values("pk"))
    return reached


def mandate_agency_choices(user: AnyUser) -> QuerySet[Agency]:
    """The agencies a user may name in a mandate: a coordinator chooses only among the agencies they manage
    (every agency for a program-wide scope); nobody else sets mandates."""
    if not is_coordinator(user):
        return Agency.objects.none()
    return managed_agencies(user)


def listed_mandates(user: AnyUser, mandates: QuerySet[_Mandate]) -> QuerySet[_Mandate]:
    """The mandates a coordinator sees listed: all of them for a program-wide scope; otherwise those for every
    agency and those naming an agency they manage (what reaches their staff), never another agency's own."""
    if manages_all_agencies(user):
        return mandates
    return mandates.filter(Q(all_agencies=True) | Q(agencies__in=managed_agencies(user))).distinct()


def may_mandate_for(
    user: AnyUser, categories: Iterable[ServiceCategory], *, agencies: Iterable[Agency] | None = None
) -> bool:
    """A user may set or change a mandate only if every agency it reaches (``mandate_reach``: all agencies or
    the chosen ones, narrowed by funded categories) is theirs to manage, so a scoped coordinator never imposes
    training elsewhere."""
    if manages_all_agencies(user):
        return True
    if not is_coordinator(user):
        return False
    reached = mandate_reach(agencies=agencies, categories=categories)
    return not reached.exclude(pk__in=managed_agencies(user).values("pk")).exists()


def is_manager(user: AnyUser) -> bool:
    """Coordinators and agency administrators: the people who see the management screens."""
    return managed_agencies(user).exists()


def requires_two_factor(user: AnyUser) -> bool:
    """Accounts that reach more than one agency or an admin site must sign in with a second factor: site
    administrators, coordinators, anyone who may open the Wagtail or Django admin, and agency administrators
    of more than one agency. (Other agency administrators may opt in.)"""
    if not user.is_authenticated:
        return False
    if is_coordinator(user) or user.is_staff or user.has_perm("wagtailadmin.access_admin"):
        return True
    return managed_agencies(user)[:2].count() > 1


def supervised_staff(user: AnyUser) -> QuerySet[StaffMember]:
    if not user.is_authenticated:
        return StaffMember.objects.none()
    return StaffMember.objects.filter(supervisor__user=user, supervisor__active=True)


def is_supervisor(user: AnyUser) -> bool:
    return supervised_staff(user).exists()


@dataclass(frozen=True)
class NavigationRoles:
    """What the menu offers a person: `is_manager`, `is_supervisor`, `is_coordinator`, and whether they may
    open the Wagtail admin (its user bar is shown to them only)."""

    manager: bool = False
    supervisor: bool = False
    coordinator: bool = False
    admin: bool = False


def navigation_roles(user: AnyUser) -> NavigationRoles:
    """The menu's flags, asked on every signed-in page; each is the rule above it, not a copy. Three small
    EXISTS queries: measured cheaper than one query holding all three, whose building in the ORM costs more
    than the database's answer (docs/performance.md)."""
    if not user.is_authenticated or not user.is_active:
        return NavigationRoles()
    may_open_admin = user.is_superuser or (
        Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
        .filter(Q(user=user) | Q(group__user=user))
        .exists()
    )
    return NavigationRoles(
        manager=is_manager(user),
        supervisor=is_supervisor(user),
        coordinator=is_coordinator(user),  # the user's coordinator record comes with the user (accounts.backends)
        admin=may_open_admin,
    )


def visible_staff(user: AnyUser) -> QuerySet[StaffMember]:
    """Staff records this user may read: managed agencies, their supervisees, and themselves."""
    if not user.is_authenticated:
        return StaffMember.objects.none()
    if user.is_superuser or getattr(getattr(user, "coordinator", None), "all_agencies", False):
        return StaffMember.objects.all()
    return StaffMember.objects.filter(
        Q(agency__in=managed_agencies(user)) | Q(supervisor__user=user, supervisor__active=True) | Q(user=user)
    ).distinct()


def get_managed_agency(user: AnyUser, slug: str) -> Agency:
    """An agency the user manages, or 404 (never reveal that another agency exists)."""
    try:
        return managed_agencies(user).get(slug=slug)
    except Agency.DoesNotExist:
        raise Http404("No such agency.") from None


def get_visible_staff(user: AnyUser, pk: int) -> StaffMember:
    try:
        return visible_staff(user).select_related("user", "agency", "supervisor__user").get(pk=pk)
    except StaffMember.DoesNotExist:
        raise Http404("No such staff member.") from None


def get_managed_staff(user: AnyUser, pk: int) -> StaffMember:
    """A staff record the user may change (managed agency only; supervisors read but do not edit)."""
    try:
        return (
            StaffMember.objects.filter(agency__in=managed_agencies(user))
            .select_related("user", "agency", "supervisor__user")
            .get(pk=pk)
        )
    except StaffMember.DoesNotExist:
        raise Http404("No such staff member.") from None


def approvable_invitations(user: AnyUser) -> QuerySet[StaffInvitation]:
    """Pending invitations this user may approve on the person's behalf: coordinators who already manage the
    inviting agency and every agency the person has a staff record at (current or former), so approving
    reveals nothing they could not already see. A person with no staff record anywhere is visible only to a
    program-wide scope, so only such coordinators may approve for them."""
    if not is_coordinator(user):
        return StaffInvitation.objects.none()
    pending = StaffInvitation.objects.filter(accepted_at__isnull=True, cancelled_at__isnull=True)
    if manages_all_agencies(user):
        return pending
    managed = managed_agencies(user)
    records = StaffMember.objects.filter(user_id=OuterRef("user_id"))
    return pending.filter(Q(agency__in=managed), Exists(records)).exclude(Exists(records.exclude(agency__in=managed)))


def get_managed_invitation(user: AnyUser, agency: Agency, pk: int) -> StaffInvitation:
    """A pending invitation the agency sent, for a user who manages that agency (404 otherwise)."""
    if not managed_agencies(user).filter(pk=agency.pk).exists():
        raise Http404("No such invitation.")
    try:
        return StaffInvitation.objects.get(pk=pk, agency=agency, accepted_at__isnull=True, cancelled_at__isnull=True)
    except StaffInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def require_manager(user: AnyUser) -> None:
    if not is_manager(user):
        raise PermissionDenied("Only coordinators and agency administrators may do this.")


def require_coordinator(user: AnyUser) -> None:
    if not is_coordinator(user):
        raise PermissionDenied("Only training coordinators may do this.")


def actionable_staff(user: AnyUser) -> QuerySet[StaffMember]:
    """Active staff this user may act on (remind, extend a due date, waive, assign training): everyone active
    at the agencies they manage, and the people they supervise directly (a supervisor acts for their team)."""
    if not user.is_authenticated:
        return StaffMember.objects.none()
    if manages_all_agencies(user):
        return StaffMember.objects.filter(active=True)
    return StaffMember.objects.filter(
        Q(agency__in=managed_agencies(user).values("pk")) | Q(supervisor__user=user, supervisor__active=True),
        active=True,
    )


def may_act_on_staff(user: AnyUser) -> bool:
    """Supervisors, agency administrators and coordinators: the people who see the staff action screens."""
    return is_manager(user) or is_supervisor(user)


def get_actionable_staff(user: AnyUser, ids: Iterable[int]) -> list[StaffMember]:
    """The chosen staff records, all of which the user may act on; 404 if any is not (never say which)."""
    wanted = set(ids)
    found = list(
        actionable_staff(user)
        .filter(pk__in=wanted)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    if len(found) != len(wanted):
        raise Http404("No such staff member.")
    return found


def get_team_member(user: AnyUser, pk: int) -> StaffMember:
    """One person this user may act on, for their history page (404 otherwise)."""
    try:
        return actionable_staff(user).select_related("user", "agency", "supervisor__user").get(pk=pk)
    except StaffMember.DoesNotExist:
        raise Http404("No such staff member.") from None


def may_edit_reminders(user: AnyUser) -> bool:
    """The reminder schedule and emails reach every agency's staff: only program-wide coordinators (and site
    administrators) change them, so a coordinator of some agencies never changes what others receive."""
    return manages_all_agencies(user)
