"""Reads about certificates: status as people see it, a learner's list, renders still to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from wagtail.models import Page

from curricula.rules import RENEWAL_NOTICE_DAYS

from .models import Certificate, CertificateEvent, CertificateStatus, IssuerSettings, ServedPdf, SupersededKind

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
            return ngettext("Valid, expires in %(days)d day", "Valid, expires in %(days)d days", self.days_left) % {
                "days": self.days_left
            }
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


@dataclass(frozen=True)
class IssuerDetails:
    """Who issues certificates, from the Wagtail site setting (or its defaults before anyone saved it)."""

    name: str
    signatory_name: str
    signatory_title: str
    accrediting_body: str
    logo_path: str | None = None
    logo_url: str | None = None


def issuer_details() -> IssuerDetails:
    """The default site's issuer settings (one query, nothing written: a GET never creates the row). PDFs are
    drawn in Celery, without a request, so not `for_request`."""
    row = IssuerSettings.objects.select_related("logo").filter(site__is_default_site=True).first() or IssuerSettings()
    logo_path = logo_url = None
    if row.logo_id is not None:
        try:
            logo_path = row.logo.file.path
            logo_url = row.logo.file.url
        except (NotImplementedError, ValueError):  # storage without local paths: drawn without the logo
            logo_path = None
    return IssuerDetails(
        name=row.issuer_name,
        signatory_name=row.signatory_name,
        signatory_title=row.signatory_title,
        accrediting_body=row.accrediting_body,
        logo_path=logo_path,
        logo_url=logo_url,
    )


@dataclass(frozen=True)
class Supersession:
    """Why a certificate is no longer the current one, as the page, the PDF and the status list say it."""

    kind: str  # SupersededKind
    at: date
    newer: Certificate | None
    reason: str

    @property
    def summary(self) -> str:
        newer = f" by {self.newer.serial}" if self.newer is not None else ""
        if self.kind == SupersededKind.RECERTIFIED:
            return f"Superseded on {self.at.isoformat()}{newer}: the holder recertified ({self.reason})."
        return f"Replaced on {self.at.isoformat()}{newer}, a reissued certificate: {self.reason or 'no reason given'}."


def supersession_of(certificate: Certificate) -> Supersession | None:
    if certificate.superseded_at is None:
        return None
    return Supersession(
        kind=certificate.superseded_kind or SupersededKind.REISSUED,
        at=timezone.localdate(certificate.superseded_at),
        newer=certificate.superseded_by,
        reason=certificate.superseded_reason,
    )


def served_pdf_by_hash(sha256: str) -> ServedPdf | None:
    """The PDF we handed out with exactly these bytes, if any (the verification page's upload)."""
    return ServedPdf.objects.select_related("certificate").filter(sha256=sha256).order_by("first_served_at").first()


def is_achievement_code(code: str) -> bool:
    """A curriculum code on an issued certificate (the achievements that have an image)."""
    return Certificate.objects.filter(curriculum_code=code).exists()


def shown_curriculum_title(certificate: Certificate) -> str:
    """The curriculum's title in the active language when the curriculum has a live translation in it (a
    Spanish certificate names the curriculum in Spanish); otherwise the title recorded at issue. The record
    itself never changes (one query, none in the default language)."""
    language = get_language() or settings.LANGUAGE_CODE
    if certificate.curriculum_id is None or language == settings.LANGUAGE_CODE:
        return certificate.curriculum_title
    original = Page.objects.filter(pk=certificate.curriculum_id).values("translation_key")
    title = (
        Page.objects.live()
        .filter(translation_key__in=original, locale__language_code=language)
        .values_list("title", flat=True)
        .first()
    )
    return title or certificate.curriculum_title
