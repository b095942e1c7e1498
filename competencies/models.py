"""The CMTP competency framework: what a case manager can do, each with a stable code.

Curricula, lessons and quiz items point at these rows (never the reverse), so the framework sits below
curricula and assessments in the model layers and imports no app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel


class Domain(models.TextChoices):
    """The areas of practice the framework is grouped by (the order they are listed in)."""

    SERVICE_CATEGORIES = "service-categories", gettext_lazy("Ryan White service categories (MCM and NMCM)")
    PROCESS = "process", gettext_lazy("The case-management process")
    MOTIVATIONAL_INTERVIEWING = "motivational-interviewing", gettext_lazy("Motivational interviewing")
    CLINICAL_SUPERVISION = "clinical-supervision", gettext_lazy("Clinical case management and supervision")
    SUBSTANCE_USE = "substance-use", gettext_lazy("Substance use and harm reduction")
    LINKAGE_RETENTION = "linkage-retention", gettext_lazy("Linkage, retention and adherence")


class Competency(models.Model):
    """One competency of the framework. The code is what certificates and badges cite: never reuse one."""

    code = models.CharField(
        max_length=20, unique=True, help_text="Framework code, e.g. MI-2. Cited on certificates: never reuse one."
    )
    short_name = models.CharField(max_length=80, help_text="A few words, shown in tables and headings.")
    description = models.TextField(help_text="What a case manager who has it can do, in one or two sentences.")
    domain = models.CharField(max_length=40, choices=Domain.choices)
    position = models.PositiveIntegerField(default=0, help_text="Order in the framework (lower first).")
    sources = models.TextField(blank=True, help_text="Where the competency comes from (citations).")
    source_hash = models.CharField(max_length=64, blank=True, editable=False)

    panels = [
        FieldPanel("code"),
        FieldPanel("short_name"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("domain"), FieldPanel("position")], heading="Place in the framework"),
        FieldPanel("sources"),
    ]

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return f"{self.code} {self.short_name}"
