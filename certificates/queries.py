"""Reads about certificates: status as people see it, a learner's list, renders still to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from curricula.rules import RENEWAL_NOTICE_DAYS

from .models import Certificate, CertificateEvent, CertificateStatus

# "Expiring soon" starts when the recertification assignment appears, so both tell the same story.
EXPIRING_SOON_DAYS = RENEWAL_NOTICE_DAYS
# A certificate that failed this often is left to the synchronous render on download (and to a person).
MAX_SWEEP_FAILURES = 30


@dataclass(frozen=True)
class CertificateState:
    """What a reader is told about a certificate on a day: the status, and whether it runs out soon."""

    status: str
    label: str
    expiring_soon: bool = False
    days_left: int | None = None

    @property
    def css_class(self) -> str:
        return "status-expiring" if self.expiring_soon else f"status-{self.status}"

    @property
    def text(self) -> str:
        if self.expiring_soon and self.days_left is not None:
            return f"Valid, expires in {self.days_left} day{'s' if self.days_left != 1 else ''}"
        return self.label

    @property
    def is_current(self) -> bool:
        """Valid or expired, i.e. neither revoked nor replaced: the one a coordinator may still act on."""
        return self.status in (CertificateStatus.VALID, CertificateStatus.EXPIRED)


def state_of(certificate: Certificate, *, today: date | None = None) -> CertificateState:
    today = today or timezone.localdate()
    status = certificate.status(on=today)
    label = CertificateStatus(status).label
    if status == CertificateStatus.VALID and certificate.expires_on is not None:
        days_left = (certificate.expires_on - today).days
        if days_left <= EXPIRING_SOON_DAYS:
            return CertificateState(status=status, label=label, expiring_soon=True, days_left=days_left)
        return CertificateState(status=status, label=label, days_left=days_left)
    return CertificateState(status=status, label=label)


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    state: CertificateState


def certificates_of(user: User) -> list[CertificateRow]:
    """A learner's certificates, newest first, with their state today: one query whatever the count."""
    today = timezone.localdate()
    rows = Certificate.objects.filter(user=user).order_by("-issued_at", "-pk")
    return [CertificateRow(certificate=c, state=state_of(c, today=today)) for c in rows]


def audit_events(certificate: Certificate) -> QuerySet[CertificateEvent]:
    return certificate.events.select_related("actor").order_by("at", "pk")


def pending_render_ids(*, older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> list[int]:
    """Certificates still without a PDF, e.g. the broker was down at issue or every retry failed.

    Fresh ones are left alone: their own task is probably still in the queue."""
    cutoff = timezone.now() - older_than
    return list(
        Certificate.objects.filter(
            rendered_at__isnull=True, issued_at__lte=cutoff, render_failures__lt=MAX_SWEEP_FAILURES
        )
        .order_by("render_failures", "issued_at")
        .values_list("pk", flat=True)[:limit]
    )
