"""Records that compliance reporting writes: stamped exports and the reminders already sent.

Compliance status itself is never stored; it is computed from assignments and certificates (queries.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import PreviewableMixin

from .templating import check_placeholders, preview


class ExportKind(models.TextChoices):
    CSV_WIDE = "csv_wide", _("CSV, one row per person")
    CSV_LONG = "csv_long", _("CSV, one row per person and curriculum")
    PDF = "pdf", _("PDF audit report")


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
    DUE_30 = "due30", _("Early reminder before the due date")
    DUE_7 = "due7", _("Final reminder before the due date")
    OVERDUE = "overdue", pgettext_lazy("reminder kind", "Overdue")
    CERT_EXPIRY_30 = "cert30", _("Certificate expiry reminder")
    DIGEST = "digest", _("Weekly digest")
    MANUAL = "manual", _("Sent by a supervisor or administrator")


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


# What supervisors and administrators did for a person ------------------------------------------------------


class StaffActionKind(models.TextChoices):
    REMINDED = "reminded", _("Reminder sent")
    EXTENDED = "extended", _("Due date extended")
    WAIVED = "waived", pgettext_lazy("compliance status", "Waived")
    ASSIGNED = "assigned", _("Curriculum assigned")


class StaffAction(models.Model):
    """One thing a supervisor, agency administrator or coordinator did for a person: the person's history.

    Kept as evidence next to the assignment it touched: an extension records the date it replaced and why,
    so a due date that moved is never silently rewritten."""

    staff = models.ForeignKey("agencies.StaffMember", on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=StaffActionKind.choices)
    assignment = models.ForeignKey(
        "curricula.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    curriculum_code = models.CharField(max_length=20, blank=True, help_text="Copied, e.g. CT-201.")
    previous_due_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["staff", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.curriculum_code} for staff #{self.staff_id}"

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return "someone no longer on the system"
        return self.actor.get_full_name() or self.actor.email or self.actor.username


# The coordinator's reminder schedule and email texts ------------------------------------------------------


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def _day_list(value: str) -> list[int]:
    """ "30, 7" -> [30, 7]; raises ValueError naming the problem."""
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    days = []
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            raise ValueError(f"“{part[:20]}” is not a whole number of days.")
        days.append(int(part))
    return days


class ReminderSchedule(models.Model):
    """When reminders go out, for the whole program (one row, edited by coordinators in the Wagtail admin).

    Each number is a window, not an exact day: a reminder missed on its day (the job did not run) goes out
    the next day, and each one is sent once (the reminder log's unique key)."""

    days_before_due = models.CharField(
        max_length=40,
        default="30, 7",
        help_text="Days before the due date, separated by commas (e.g. “30, 7”). The last one is the final "
        "reminder, which everyone gets; learners may turn off the earlier ones.",
    )
    days_after_due = models.CharField(
        max_length=40,
        default="1",
        help_text="Days after the due date to send an overdue notice, separated by commas (e.g. “1, 14”). "
        "Overdue notices are mandatory.",
    )
    days_before_expiry = models.PositiveSmallIntegerField(
        default=30, help_text="Days before a certificate expires to remind its holder (1 to 365)."
    )
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text="The day supervisors and agency administrators get their weekly digest.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder schedule"

    def __str__(self) -> str:
        return "Reminder schedule"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name, low in (("days_before_due", 0), ("days_after_due", 1)):
            try:
                days = _day_list(getattr(self, name))
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            if not days:
                errors[name] = "Give at least one number of days."
            elif len(days) > 5:
                errors[name] = "Give at most five numbers of days."
            elif any(d < low or d > 365 for d in days):
                errors[name] = f"Each number of days must be between {low} and 365."
            elif len(set(days)) != len(days):
                errors[name] = "Give each number of days once."
            else:
                setattr(self, name, ", ".join(str(d) for d in sorted(days, reverse=name == "days_before_due")))
        if not 1 <= self.days_before_expiry <= 365:
            errors["days_before_expiry"] = "Give a number of days between 1 and 365."
        if errors:
            raise ValidationError(errors)

    @property
    def before_due(self) -> list[int]:
        """Largest first; the last is the final reminder."""
        return sorted(set(_day_list(self.days_before_due)), reverse=True) or [7]

    @property
    def after_due(self) -> list[int]:
        return sorted(set(_day_list(self.days_after_due))) or [1]

    @classmethod
    def current(cls) -> ReminderSchedule:
        """The schedule in force: the stored row, or the defaults if nobody has saved one."""
        return cls.objects.order_by("pk").first() or cls()


class ReminderTemplateKind(models.TextChoices):
    EARLY = "early", "Early reminder before the due date"
    FINAL = "final", "Final reminder before the due date"
    OVERDUE = "overdue", "Overdue notice"
    CERTIFICATE = "certificate", "Certificate expiry reminder"
    REMIND_NOW = "remind_now", "Reminder sent by a supervisor or administrator"
    DIGEST = "digest", "Weekly digest (its opening; the lists of people follow)"


class ReminderTemplate(PreviewableMixin, models.Model):
    """The subject and text of one kind of reminder email, with {placeholders} filled in for each person.

    The text is plain: the HTML version is made from it (escaped, paragraphs and links kept), so nothing a
    coordinator types can inject markup."""

    kind = models.CharField(max_length=20, choices=ReminderTemplateKind.choices, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # What people who chose Spanish get (same placeholders); left empty, they get the English text.
    subject_es = models.CharField("subject (Spanish)", max_length=200, blank=True)
    body_es = models.TextField("text (Spanish)", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = "reminder email"

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        errors = {}
        for name in ("subject", "body", "subject_es", "body_es"):
            problem = check_placeholders(kind=self.kind, text=getattr(self, name))
            if problem:
                errors[name] = problem
        if errors:
            raise ValidationError(errors)

    def get_preview_template(self, request: Any, mode_name: str) -> str:
        return "compliance/admin/reminder_preview.html"

    def get_preview_context(self, request: Any, mode_name: str) -> dict[str, Any]:
        return {**super().get_preview_context(request, mode_name), "preview": preview(template=self)}


# What each person chose to receive, and their private calendar link -----------------------------------------


class NotificationPreference(models.Model):
    """A person's choices about optional emails. Mandatory notices (the final reminder before a due date,
    overdue notices, reminders a supervisor sends) are not listed here: nobody can turn them off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    early_reminders = models.BooleanField(
        default=True, help_text="Reminders weeks before a due date (the final reminder always comes)."
    )
    certificate_expiry = models.BooleanField(
        default=True, help_text="A reminder before one of your certificates expires."
    )
    weekly_digest = models.BooleanField(
        default=True, help_text="Supervisors and agency administrators: the weekly digest of your people."
    )
    updated_at = models.DateTimeField(auto_now=True)


class CalendarFeed(models.Model):
    """The secret in a person's private calendar links. Resetting it replaces the token, so an old link
    (shared by mistake, on a lost phone) stops working at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar feed of user #{self.user_id}"
