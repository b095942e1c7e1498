"""Issuing, revoking and reissuing certificates. Every change writes an audit event."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.language import in_language_of
from competencies.queries import competencies_of
from curricula.models import CurriculumCompletion
from curricula.rules import renewal_date
from outbox.services import enqueue

from . import rendering
from .codes import create_with_unique_code
from .models import Certificate, CertificateEvent, CertificateStatus, ServedPdf, SupersededKind, VerificationVisit
from .queries import state_of, supersession_of


def _create_with_unique_code(**fields: Any) -> Certificate:
    """A clash on the completion key is a concurrent issue for the same completion: re-raised."""
    return create_with_unique_code(
        lambda code: Certificate.objects.create(code=code, **fields),
        is_collision=lambda exc: "completion" not in str(exc).lower(),
    )


def _assign_serial(certificate: Certificate) -> None:
    certificate.serial = f"CMTP-{timezone.localtime(certificate.issued_at):%Y}-{certificate.pk:06d}"
    Certificate.objects.filter(pk=certificate.pk).update(serial=certificate.serial)


@transaction.atomic
def issue_certificate(*, completion: CurriculumCompletion) -> Certificate:
    """Exactly one certificate per completion (a one-to-one key); earlier ones become superseded."""
    existing = Certificate.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    user = completion.user
    curriculum = completion.curriculum
    completed_on = timezone.localdate(completion.completed_at)
    claimed = competencies_of(curriculum=curriculum)
    try:
        certificate = _create_with_unique_code(
            completion=completion,
            user=user,
            curriculum=curriculum,
            learner_name=user.get_full_name() or user.get_username(),
            curriculum_code=completion.curriculum_code,
            curriculum_title=completion.curriculum_title,
            credit_hours=completion.credit_hours,
            competencies=[c.description for c in claimed],
            competency_refs=[{"code": c.code, "name": c.short_name, "description": c.description} for c in claimed],
            completed_on=completed_on,
            expires_on=renewal_date(completed_on=completed_on, months=curriculum.recertification_months),
            issued_at=timezone.now(),
        )
    except IntegrityError:
        # A concurrent call for the same completion won the one-to-one key: theirs is the certificate.
        return Certificate.objects.get(completion=completion)
    _assign_serial(certificate)
    CertificateEvent.objects.create(certificate=certificate, action=CertificateEvent.Action.ISSUED)
    _supersede_earlier(certificate)
    _queue_render(certificate)
    if not _expired_at_issue(certificate):
        enqueue(
            task="certificates.tasks.email_certificate_issued",
            args=[certificate.pk],
            key=f"certificate-email:{certificate.pk}",
        )
    return certificate


def _expired_at_issue(certificate: Certificate) -> bool:
    """A completion recorded after its validity ended (e.g. entered late) earns a certificate for the record,
    but no "congratulations": there is nothing current to celebrate or share."""
    return certificate.expires_on is not None and certificate.expires_on <= timezone.localdate(certificate.issued_at)


@transaction.atomic
def backdate_issue(*, certificate_id: int, issued_at: datetime) -> Certificate:
    """Demo and imported history: the certificate existed from `issued_at`, and its serial carries that year."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    certificate.issued_at = issued_at
    certificate.emailed_at = issued_at
    certificate.serial = f"CMTP-{timezone.localtime(issued_at):%Y}-{certificate.pk:06d}"
    certificate.save(update_fields=["issued_at", "emailed_at", "serial"])
    return certificate


@transaction.atomic
def send_issued_email(*, certificate_id: int) -> bool:
    """Email the learner a link to their new certificate, once. The claim on `emailed_at` and the send share
    one transaction: a second delivery of the task waits on the row lock and then finds it sent, and a worker
    killed mid-send leaves the claim rolled back, so the redelivered task sends it (at least once, never lost).
    """
    certificate = Certificate.objects.select_for_update().filter(pk=certificate_id, emailed_at__isnull=True).first()
    if certificate is None or not certificate.user.email or _expired_at_issue(certificate):
        return False
    Certificate.objects.filter(pk=certificate_id).update(emailed_at=timezone.now())
    with in_language_of(user=certificate.user):  # the learner's language; the links lead to the same pages in it
        facts = {
            "code": certificate.curriculum_code,
            "title": certificate.curriculum_title,
            "name": certificate.learner_name,
            "serial": certificate.serial,
            "download": f"{settings.SITE_URL}{reverse('certificates:detail', kwargs={'pk': certificate.pk})}",
            "verify": f"{settings.SITE_URL}{reverse('certificates:verify', kwargs={'code': certificate.code})}",
        }
        subject = gettext("Your certificate: %(code)s %(title)s") % facts
        message = (
            gettext(
                "Hello %(name)s,\n\nCongratulations on completing %(title)s. Your certificate %(serial)s is ready "
                "to download:\n%(download)s\n\nAnyone can check it at %(verify)s\n\nCMTP Learn"
            )
            % facts
        )
    send_mail(
        subject=subject,
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[certificate.user.email],
    )
    return True


def _supersede_earlier(certificate: Certificate) -> None:
    earlier = Certificate.objects.filter(
        user=certificate.user,
        curriculum_code=certificate.curriculum_code,
        superseded_at__isnull=True,
        revoked_at__isnull=True,
    ).exclude(pk=certificate.pk)
    for old in earlier:
        old.superseded_at = timezone.now()
        old.superseded_by = certificate
        old.superseded_kind = SupersededKind.RECERTIFIED
        old.superseded_reason = f"completed the curriculum again on {certificate.completed_on.isoformat()}"
        old.save(update_fields=["superseded_at", "superseded_by", "superseded_kind", "superseded_reason"])
        CertificateEvent.objects.create(
            certificate=old, action=CertificateEvent.Action.SUPERSEDED, detail=f"Superseded by {certificate.serial}"
        )


def _queue_render(certificate: Certificate) -> None:
    enqueue(
        task="certificates.tasks.render_certificate_pdf", args=[certificate.pk], key=f"certificate-pdf:{certificate.pk}"
    )


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, reason: str, by: User) -> Certificate:
    if not reason.strip():
        raise ValueError("A revocation needs a reason.")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason.strip()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    CertificateEvent.objects.create(certificate=locked, action=CertificateEvent.Action.REVOKED, actor=by, detail=reason)
    return locked


@transaction.atomic
def reissue_certificate(*, certificate: Certificate, by: User, reason: str = "") -> Certificate:
    """A new certificate (new serial, code and PDF) for the same completion facts, e.g. after a name change.
    The old one is superseded, not deleted, and stays verifiable as such."""
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if old.revoked_at is not None:
        raise ValueError("A revoked certificate cannot be reissued.")
    if old.superseded_at is not None:
        raise ValueError("This certificate was already superseded; reissue the current one.")
    user = old.user
    new = _create_with_unique_code(
        completion=None,
        user=user,
        curriculum=old.curriculum,
        learner_name=user.get_full_name() or user.get_username(),
        curriculum_code=old.curriculum_code,
        curriculum_title=old.curriculum_title,
        credit_hours=old.credit_hours,
        competencies=old.competencies,
        competency_refs=old.competency_refs,
        completed_on=old.completed_on,
        expires_on=old.expires_on,
        issued_at=timezone.now(),
        reissue_of=old,
    )
    _assign_serial(new)
    # The completion moves to the new certificate so that "one active certificate per completion" holds.
    completion_id = old.completion_id
    Certificate.objects.filter(pk=old.pk).update(
        completion=None,
        superseded_at=timezone.now(),
        superseded_by=new,
        superseded_kind=SupersededKind.REISSUED,
        superseded_reason=reason.strip() or "reissued by a training coordinator",
    )
    Certificate.objects.filter(pk=new.pk).update(completion_id=completion_id)
    new.refresh_from_db()
    CertificateEvent.objects.create(
        certificate=new, action=CertificateEvent.Action.REISSUED, actor=by, detail=f"Reissue of {old.serial}. {reason}"
    )
    CertificateEvent.objects.create(
        certificate=old, action=CertificateEvent.Action.SUPERSEDED, actor=by, detail=f"Reissued as {new.serial}"
    )
    _queue_render(new)
    return new


def record_render_failure(*, certificate_id: int, error: BaseException) -> None:
    """Count the failure and keep it in the audit log; the certificate itself is never touched or lost."""
    Certificate.objects.filter(pk=certificate_id).update(render_failures=F("render_failures") + 1)
    CertificateEvent.objects.create(
        certificate_id=certificate_id,
        action=CertificateEvent.Action.RENDER_FAILED,
        detail=f"{error.__class__.__name__}: {error}"[:500],
    )


def ensure_rendered(*, certificate: Certificate) -> Certificate:
    """A download must not wait for the queue: render now if the task has not (yet) done so, if the stored
    file went missing (a lost media volume), or if it was drawn for another site address (its QR code would
    lead elsewhere) or before PDFs were signed: the record is the truth, the PDF can always be redrawn."""
    if certificate.rendered_at is not None:
        if (
            certificate.pdf
            and certificate.pdf_site_url == settings.SITE_URL  # "": drawn before PDFs were signed
            and certificate.pdf.storage.exists(certificate.pdf.name)
        ):
            return certificate
        Certificate.objects.filter(pk=certificate.pk).update(rendered_at=None)
        certificate.rendered_at = None
    return rendering.render_and_store(certificate)


def client_fingerprint(ip: str | None) -> str:
    """Enough to see repeated guessing from one address, without storing the address itself."""
    return hashlib.sha256(f"{ip or ''}{settings.SECRET_KEY}".encode()).hexdigest()[:32]


def record_verification_visit(*, certificate: Certificate | None, code_tried: str, ip: str | None) -> VerificationVisit:
    return VerificationVisit.objects.create(
        certificate=certificate,
        code_tried=code_tried[:64],
        found=certificate is not None,
        client=client_fingerprint(ip),
    )


@dataclass(frozen=True)
class PdfDownload:
    content: bytes
    status: str
    sha256: str


def _stamp_for(certificate: Certificate, status: str) -> rendering.Stamp:
    """The status across a PDF that is no longer current, in the learner's language like the rest of it."""
    with in_language_of(user=certificate.user):
        if status == CertificateStatus.REVOKED:
            when = timezone.localdate(certificate.revoked_at).isoformat() if certificate.revoked_at else ""
            return rendering.Stamp(
                word=gettext("REVOKED"),
                line=gettext("Revoked on %(date)s: %(reason)s") % {"date": when, "reason": certificate.revoked_reason},
                verdict=gettext("Not valid."),
            )
        supersession = supersession_of(certificate)
        return rendering.Stamp(
            word=gettext("SUPERSEDED"),
            line=supersession.summary if supersession else gettext("Superseded."),
            verdict=gettext("Not the current certificate."),
        )


def pdf_for_download(*, certificate: Certificate) -> PdfDownload:
    """The PDF a person receives, recorded by its SHA-256: the stored, signed file while the certificate is
    current (valid or expired; the expiry date is printed on it), or a freshly drawn copy stamped with its
    status once it was revoked or superseded, so such a PDF can never pass as current."""
    status = state_of(certificate).status
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED):
        content = rendering.stamped_pdf(certificate, stamp=_stamp_for(certificate, status))
    else:
        certificate = ensure_rendered(certificate=certificate)
        with certificate.pdf.open("rb") as handle:
            content = handle.read()
    digest = hashlib.sha256(content).hexdigest()
    ServedPdf.objects.get_or_create(
        certificate=certificate, sha256=digest, defaults={"status": status, "size": len(content)}
    )
    return PdfDownload(content=content, status=status, sha256=digest)
