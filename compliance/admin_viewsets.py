"""The "Reminders" screens in the Wagtail admin: the schedule (one row) and the email texts (one per kind,
with a preview filled with sample values). Who may open them is decided by ``agencies.access``
(``may_edit_reminders``: the rows reach every agency's staff); rows are never added or deleted here, only
edited (the migration creates them)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import ReminderSchedule, ReminderTemplate
from .templating import PLACEHOLDERS


def placeholders_help() -> str:
    """Every kind's placeholders, shown beside the editor (the form refuses any other)."""
    rows = format_html_join(
        "",
        "<li><strong>{}</strong>: {}</li>",
        (
            (kind.replace("_", " ").capitalize(), ", ".join("{" + name + "}" for name in names))
            for kind, names in PLACEHOLDERS.items()
        ),
    )
    return format_html(
        "<p>Write plain text; a blank line starts a new paragraph. The links to the person's reminders and "
        "notification settings are added below every email. Placeholders by kind:</p><ul>{}</ul>",
        rows,
    )


class ReminderScheduleViewSet(SnippetViewSet):
    model = ReminderSchedule
    icon = "date"
    menu_label = "Schedule"
    list_display = ["__str__", "days_before_due", "days_after_due", "days_before_expiry", "digest_weekday"]
    panels = [
        FieldPanel("days_before_due"),
        FieldPanel("days_after_due"),
        FieldPanel("days_before_expiry"),
        FieldPanel("digest_weekday"),
    ]


class ReminderTemplateViewSet(SnippetViewSet):
    model = ReminderTemplate
    icon = "mail"
    menu_label = "Emails"
    list_display = ["__str__", "subject", "updated_at"]
    panels = [
        HelpPanel(content=placeholders_help()),
        FieldPanel("subject"),
        FieldPanel("body"),
        FieldPanel("subject_es", help_text="For people who chose Spanish; left empty, they get the English."),
        FieldPanel("body_es"),
    ]


class RemindersGroup(SnippetViewSetGroup):
    menu_label = "Reminders"
    menu_icon = "mail"
    menu_order = 310
    items = (ReminderScheduleViewSet, ReminderTemplateViewSet)
