"""Who may see or act on which certificate. Views obtain certificates only through here.

Built on `agencies.access`: a certificate is visible to its learner, and to the coordinators and agency
administrators who manage an agency the learner is (or was) on the staff of, and to the learner's current
supervisor (read only). Everything else is a 404, never a hint that the certificate exists.
Revoking and reissuing is for training coordinators only, within the same scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.access import AnyUser, is_coordinator, managed_agencies, require_coordinator, supervised_staff
from agencies.models import StaffMember

from .models import Certificate


def _sees_every_agency(user: AnyUser) -> bool:
    """Site administrators and all-agency coordinators also see learners who belong to no agency."""
    return user.is_superuser or getattr(getattr(user, "coordinator", None), "all_agencies", False)


def _learners_in_scope(user: AnyUser) -> QuerySet[StaffMember, Any]:
    return StaffMember.objects.filter(agency__in=managed_agencies(user)).values("user_id")


def visible_certificates(user: AnyUser) -> QuerySet[Certificate]:
    if not user.is_authenticated:
        return Certificate.objects.none()
    if _sees_every_agency(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(
        Q(user=user)
        | Q(user_id__in=_learners_in_scope(user))
        | Q(user_id__in=supervised_staff(user).filter(active=True).values("user_id"))
    )


def manageable_certificates(user: AnyUser) -> QuerySet[Certificate]:
    """Certificates this user may revoke or reissue: coordinators, for learners in their scope."""
    if not is_coordinator(user):
        return Certificate.objects.none()
    if _sees_every_agency(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(user_id__in=_learners_in_scope(user))


def get_visible_certificate(user: AnyUser, pk: int) -> Certificate:
    try:
        return visible_certificates(user).select_related("user", "superseded_by", "reissue_of", "revoked_by").get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404("No such certificate.") from None


def get_manageable_certificate(user: AnyUser, pk: int) -> Certificate:
    """403 for anyone who is not a coordinator at all; 404 for a certificate outside their scope."""
    require_coordinator(user)
    try:
        return manageable_certificates(user).get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404("No such certificate.") from None


def can_manage(user: AnyUser, certificate: Certificate) -> bool:
    return is_coordinator(user) and manageable_certificates(user).filter(pk=certificate.pk).exists()


def get_certificate_by_code(code: str | None) -> Certificate | None:
    """Public access by verification code: knowing the (unguessable) code is the permission."""
    if not code:
        return None
    return Certificate.objects.filter(code=code).first()
