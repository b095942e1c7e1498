"""Certificates: issued once per completion, verifiable by a public code, never deleted."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


# Labels stay lazy (translated when shown, in the reader's language); cast: they are used as the str they act as.
class CertificateStatus(models.TextChoices):
    VALID = "valid", cast(str, pgettext_lazy("certificate status", "Valid"))
    EXPIRED = "expired", cast(str, pgettext_lazy("certificate status", "Expired"))
    REVOKED = "revoked", cast(str, pgettext_lazy("certificate status", "Revoked"))
    SUPERSEDED = "superseded", cast(str, pgettext_lazy("certificate status", "Superseded"))


class SupersededKind(models.TextChoices):
    RECERTIFIED = "recertified", "Recertified"
    REISSUED = "reissued", "Reissued"


class Certificate(models.Model):
    completion = models.OneToOneField(
        "curricula.CurriculumCompletion", on_delete=models.PROTECT, related_name="certificate", null=True, blank=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    curriculum = models.ForeignKey(
        "curricula.CurriculumPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates"
    )
    # Copied at issue, so later edits to the user or the curriculum never change an issued certificate.
    learner_name = models.CharField(max_length=200)
    curriculum_code = models.CharField(max_length=20)
    curriculum_title = models.CharField(max_length=255)
    credit_hours = models.DecimalField(max_digits=4, decimal_places=1)
    competencies = models.JSONField(default=list, blank=True)
    competency_refs = models.JSONField(
        default=list,
        blank=True,
        help_text="The competencies by framework code, copied at issue: code, name, description.",
    )
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    serial = models.CharField(max_length=32, unique=True, null=True, blank=True)
    code = models.CharField(max_length=19, unique=True, help_text="Verification code, e.g. ABCD-EFGH-JKMN-PQRS.")
    issued_at = models.DateTimeField()
    pdf = models.FileField(upload_to="certificates/%Y/", blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_failures = models.PositiveIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the learner was emailed the link.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes"
    )
    superseded_kind = models.CharField(max_length=12, choices=SupersededKind.choices, blank=True)
    superseded_reason = models.TextField(blank=True, help_text="Why it was replaced, as verifiers are told.")
    reissue_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reissues")
    pdf_site_url = models.CharField(
        max_length=200, blank=True, help_text="The site address the stored PDF's QR code and links were drawn for."
    )

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["user", "curriculum_code"]), models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.serial or 'unsaved'} {self.curriculum_code} {self.learner_name}"

    def status(self, *, on: date) -> str:
        if self.revoked_at is not None and timezone.localdate(self.revoked_at) <= on:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None and timezone.localdate(self.superseded_at) <= on:
            return CertificateStatus.SUPERSEDED
        if self.expires_on is not None and self.expires_on <= on:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


class CertificateEvent(models.Model):
    """Audit log: every issue, render, revoke, reissue and supersede."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        RENDERED = "rendered", "PDF rendered"
        RENDER_FAILED = "render_failed", "PDF render failed"
        REVOKED = "revoked", "Revoked"
        REISSUED = "reissued", "Reissued"
        SUPERSEDED = "superseded", "Superseded"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class VerificationVisit(models.Model):
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, null=True, blank=True, related_name="verification_visits"
    )
    code_tried = models.CharField(max_length=64)
    found = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)
    client = models.CharField(max_length=64, blank=True, help_text="Hashed client address.")


class ServedPdf(models.Model):
    """The SHA-256 of every PDF file handed out, so anyone can ask whether a file is byte-identical to one we
    issued (the verification page's upload)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="served_pdfs")
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=CertificateStatus.choices, help_text="Status printed on it.")
    first_served_at = models.DateTimeField(auto_now_add=True)
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "sha256"], name="served_pdf_once")]


@register_setting(icon="doc-full")
class IssuerSettings(BaseSiteSetting):
    """Who issues the certificates: printed on every PDF and named in every credential and on the
    verification page (one place, edited under Settings in the Wagtail admin)."""

    issuer_name: models.CharField[str, str] = models.CharField(
        max_length=200, default="Case Management Training Program — CMTP Learn"
    )
    signatory_name: models.CharField[str, str] = models.CharField(
        max_length=120, blank=True, help_text="Printed above the signature line, e.g. the training coordinator."
    )
    signatory_title: models.CharField[str, str] = models.CharField(max_length=120, default="Training Coordinator")
    accrediting_body: models.CharField[str, str] = models.CharField(
        max_length=200, blank=True, help_text="Printed on the certificate and the verification page if given."
    )
    logo: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Printed at the top of the certificate (PNG or JPEG).",
    )

    class Meta:
        verbose_name = "Certificate issuer"
