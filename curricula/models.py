"""Curricula as Wagtail pages, mandates (requirements), assignments, lesson progress and completions.

Models hold fields and the rules of their own rows; they never import a view, a query or a service. How a
curriculum or lesson page is served lives in the page layer (`curricula/pages.py`), which plugs in through
named Wagtail hooks (`curricula_curriculum_context`, `curricula_serve_lesson`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from modelcluster.fields import ParentalManyToManyField
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from agencies.models import Agency, JobRole, ServiceCategory, StaffMember
from content.blocks import lesson_body_blocks
from content.models import KeptPrivacy, SourceTracked, references_field

from .rules import AssignmentState, assignment_status
from .translation import canonical_page, localized_list


class CatalogPage(KeptPrivacy, SourceTracked, Page):
    """The catalogue of all curricula, open to anyone who wants to learn voluntarily."""

    intro = models.TextField(blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["curricula.CurriculumPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        # The English catalogue's curricula, each in the reader's language where translated (issue 24).
        canonical = CurriculumPage.objects.child_of(canonical_page(self)).live().order_by("code")
        context["curricula"] = localized_list(canonical)
        return context


class CurriculumPageForm(WagtailAdminPageForm):
    """The curriculum editor: audience roles are ticked from the job roles, never typed as JSON."""

    audience_roles = forms.MultipleChoiceField(
        label="Audience roles",
        choices=JobRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The job roles this curriculum is written for (shown to learners; mandates choose their own).",
    )

    def clean_code(self) -> str:
        """One curriculum per code in each language: a translation (issue 24) keeps its curriculum's code, so
        the code is unique per locale (checked here: the locale lives on Wagtail's page table)."""
        code = self.cleaned_data["code"]
        others = CurriculumPage.objects.filter(code=code, locale_id=self.instance.locale_id)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another curriculum already has this code.")
        return code


RECERTIFICATION_HELP = (
    "The one place recertification is set: certificates expire this many months after completion, and mandated "
    "staff are assigned the curriculum again 90 days before. 0 = never expires."
)


class CurriculumPage(KeptPrivacy, SourceTracked, Page):
    code = models.CharField(max_length=20, db_index=True)  # unique per language (CurriculumPageForm.clean_code)
    summary = models.TextField()
    audience_categories = ParentalManyToManyField(ServiceCategory, blank=True, related_name="+")
    audience_roles = models.JSONField(default=list, blank=True, help_text='Job role codes, e.g. ["mcm", "nmcm"].')
    competencies = ParentalManyToManyField(
        "competencies.Competency",
        blank=True,
        related_name="curricula",
        help_text="What the learner can do afterwards: the framework competencies its quiz assesses.",
    )
    credit_hours = models.DecimalField(max_digits=4, decimal_places=1, default=1)
    estimated_minutes = models.PositiveIntegerField(default=60)
    recertification_months = models.PositiveIntegerField(default=0, help_text=RECERTIFICATION_HELP)

    base_form_class = CurriculumPageForm

    content_panels = [
        *Page.content_panels,
        FieldPanel("code"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience_categories"),
                FieldPanel("audience_roles"),
                FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Audience and competencies",
        ),
        MultiFieldPanel(
            [FieldPanel("credit_hours"), FieldPanel("estimated_minutes"), FieldPanel("recertification_months")],
            heading="Credit and recertification",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("code")]
    parent_page_types = ["curricula.CatalogPage"]
    subpage_types = ["curricula.ModulePage"]

    @property
    def audience_role_labels(self) -> list[str]:
        labels = dict(JobRole.choices)
        return [labels.get(role, role) for role in self.audience_roles]

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        """The outline, quizzes and the reader's progress come from the page layer (`curricula.pages`)."""
        context = super().get_context(request, *args, **kwargs)
        for contribute in hooks.get_hooks("curricula_curriculum_context"):
            context.update(contribute(request=request, curriculum=self))
        return context

    def lessons(self, *, live_only: bool = True) -> models.QuerySet[LessonPage]:
        qs = LessonPage.objects.descendant_of(self)
        return (qs.live() if live_only else qs).order_by("path")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ModulePage(KeptPrivacy, SourceTracked, Page):
    summary = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["curricula.CurriculumPage"]

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = LessonPage.objects.child_of(self).live().order_by("path")
        context["curriculum"] = CurriculumPage.objects.ancestor_of(self).first()
        return context

    subpage_types = ["curricula.LessonPage"]


class LessonPage(KeptPrivacy, SourceTracked, Page):
    summary = models.TextField(blank=True)
    estimated_minutes = models.PositiveIntegerField(default=15)
    required = models.BooleanField(default=True, help_text="Counts toward curriculum completion.")
    body = StreamField(lesson_body_blocks(), use_json_field=True)
    references = references_field()
    competencies = ParentalManyToManyField(
        "competencies.Competency",
        blank=True,
        related_name="lessons",
        help_text="The framework competencies this lesson teaches (learners who miss one are sent here).",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("required"),
        FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
        FieldPanel("body"),
        FieldPanel("references"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["curricula.ModulePage"]
    subpage_types: list[str] = []

    def serve(self, request: HttpRequest, *args, **kwargs):
        """Served by the page layer (`curricula.pages.serve_lesson`, the one `curricula_serve_lesson` hook)."""
        (serve_lesson,) = hooks.get_hooks("curricula_serve_lesson")
        return serve_lesson(request, self)

    def serve_preview(self, request: HttpRequest, mode_name: str):
        """Preview through the same view as the live page (Wagtail's default preview renders the template with
        the page context only, without the outline and progress the template needs); nothing is recorded."""
        cast(Any, request).is_preview = True
        cast(Any, request).preview_mode = mode_name
        return self.serve(request)

    def get_curriculum(self) -> CurriculumPage:
        return CurriculumPage.objects.ancestor_of(self).get()


class Requirement(models.Model):
    """A mandate: this curriculum is required for these roles at all agencies or the chosen ones, optionally
    only those funded for some service categories. How often it is renewed is the curriculum's
    `recertification_months` (one place for recertification)."""

    curriculum = models.ForeignKey(CurriculumPage, on_delete=models.PROTECT, related_name="requirements")
    all_agencies = models.BooleanField(
        default=True, help_text="Every agency in the program; otherwise only the agencies chosen."
    )
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="requirements", help_text="Used when the mandate is not for all agencies."
    )
    categories = models.ManyToManyField(
        ServiceCategory,
        blank=True,
        related_name="requirements",
        help_text="Only agencies funded for any of these; none chosen = whatever their funding.",
    )
    roles = models.JSONField(default=list, help_text="Job role codes the mandate applies to.")
    due_days_after_hire = models.PositiveIntegerField(default=90)
    starts_on = models.DateField(help_text="Existing staff are due N days after this date.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["curriculum__code"]
        verbose_name = "mandate"  # what coordinators call it (the admin's "Add mandate", "New: Mandate")

    def __str__(self) -> str:
        roles = ", ".join(str(dict(JobRole.choices).get(r, r)) for r in self.roles)
        return f"{self.curriculum.code} for {roles}"

    def reaches(self, staff: StaffMember) -> bool:
        """Whether this mandate applies to this person's role at their agency (prefetch `agencies` and
        `categories`, and the staff's `agency__categories`, when asking for many)."""
        if staff.role not in self.roles:
            return False
        if not self.all_agencies and staff.agency_id not in {a.pk for a in self.agencies.all()}:
            return False
        wanted = {c.pk for c in self.categories.all()}
        return not wanted or bool(wanted & {c.pk for c in staff.agency.categories.all()})

    def due_date_for(self, staff: StaffMember) -> date:
        start = max(staff.hire_date, self.starts_on)
        return start + timedelta(days=self.due_days_after_hire)


class AssignmentSource(models.TextChoices):
    REQUIREMENT = "requirement", gettext_lazy("Mandate")
    MANUAL = "manual", gettext_lazy("Assigned by hand")
    RECERTIFICATION = "recertification", gettext_lazy("Recertification")


class Assignment(models.Model):
    """One person at one agency must complete one curriculum by a date.

    The status a person sees (not started, in progress, overdue...) is derived from `state`, the due date and
    progress; only the facts are stored."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    curriculum = models.ForeignKey(CurriculumPage, on_delete=models.PROTECT, related_name="assignments")
    source = models.CharField(max_length=20, choices=AssignmentSource.choices)
    requirement = models.ForeignKey(
        Requirement, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    required_from = models.DateField(help_text="The day the obligation began.")
    due_on = models.DateField()
    state = models.CharField(max_length=20, choices=AssignmentState.choices, default=AssignmentState.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    waived_reason = models.TextField(blank=True)
    completion = models.ForeignKey(
        "curricula.CurriculumCompletion", on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "curriculum"], condition=Q(state="open"), name="one_open_assignment_per_curriculum"
            )
        ]
        indexes = [models.Index(fields=["staff", "state"]), models.Index(fields=["curriculum", "state"])]

    def __str__(self) -> str:
        return f"{self.curriculum.code} for {self.staff} due {self.due_on}"

    def status(self, *, today: date, started: bool = False) -> str:
        """not_started / in_progress / overdue / completed / waived / withdrawn (`rules.assignment_status`)."""
        return assignment_status(state=self.state, due_on=self.due_on, today=today, started=started)


class LessonProgress(models.Model):
    # Learning history: neither the person nor the lesson page can be deleted while progress exists
    # (unpublish the lesson; remove a person's personal data instead). See docs/architecture.md.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lesson_progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.PROTECT, related_name="progress")
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_row_per_lesson")]


class CurriculumCompletion(models.Model):
    """A learner completed a curriculum (one row per cycle). Copies code, title and hours at completion."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions")
    curriculum = models.ForeignKey(CurriculumPage, on_delete=models.PROTECT, related_name="completions")
    cycle = models.PositiveIntegerField(default=1)
    completed_at = models.DateTimeField()
    curriculum_code = models.CharField(max_length=20)
    curriculum_title = models.CharField(max_length=255)
    credit_hours = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["-completed_at"]
        constraints = [models.UniqueConstraint(fields=["user", "curriculum", "cycle"], name="one_completion_per_cycle")]

    def __str__(self) -> str:
        return f"{self.user} completed {self.curriculum_code} ({self.completed_at:%Y-%m-%d})"
