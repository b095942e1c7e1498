"""Records that compliance reporting writes: stamped exports and the reminders already sent.

Compliance status itself is never stored; it is computed from assignments and certificates (queries.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExportKind(models.TextChoices):
    CSV_WIDE = "csv_wide", "CSV, one row per person"
    CSV_LONG = "csv_long", "CSV, one row per person and curriculum"
    PDF = "pdf", "PDF audit report"


class ExportRecord(models.Model):
    """One export as served, so an auditor can later check that a file is genuine and unaltered.

    The hash is of the exact bytes served; a streamed export gets it when the last byte has been produced,
    so an interrupted download leaves a record without a hash, which never verifies. An agency export names
    its agency; a program-wide export (a coordinator's agencies in one file) has none and says in `scope`
    which agencies it covers."""

    code = models.CharField(max_length=24, unique=True, help_text="Printed on the export, e.g. EXP-ABCD-EFGH-JKMN.")
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compliance_exports",
        help_text="Empty for a program-wide export.",
    )
    scope = models.CharField(
        max_length=255, blank=True, help_text='What a program-wide export covers, e.g. "All 100 agencies".'
    )
    as_of = models.DateField()
    filters = models.JSONField(default=dict, blank=True, help_text="Dashboard filters the export was limited to.")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generated_by_name = models.CharField(max_length=255, help_text="Copied, so the record survives account changes.")
    generated_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="Empty while (or if never) fully served.")

    class Meta:
        ordering = ["-generated_at"]
        indexes = [models.Index(fields=["agency", "generated_at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()} {self.covers} as of {self.as_of}"

    @property
    def is_program_wide(self) -> bool:
        return self.agency_id is None

    @property
    def covers(self) -> str:
        """What the export is of, in words: the agency's name, or the scope of a program-wide export."""
        if self.agency is not None:
            return self.agency.name
        return self.scope or "Program-wide"


class ReminderKind(models.TextChoices):
    DUE_30 = "due30", "Due in 30 days"
    DUE_7 = "due7", "Due in 7 days"
    OVERDUE = "overdue", "Overdue"
    CERT_EXPIRY_30 = "cert30", "Certificate expires in 30 days"
    DIGEST = "digest", "Weekly digest"


class ReminderLog(models.Model):
    """One reminder sent to one person. The unique key makes each reminder go out once, however often the
    job runs, and the row is what the learner sees under "my reminders"."""

    key = models.CharField(max_length=120, unique=True, help_text='e.g. "due30:<assignment id>:<due date>".')
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders")
    email = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    assignment = models.ForeignKey(
        "curricula.Assignment", on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["recipient", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.key} to {self.email}"
