"""Reminder email texts a coordinator edits: which {placeholders} each kind offers, the defaults, filling
them in, and the sample a preview shows. No database: the models and the reminder services use it.

Placeholders are a fixed list per kind, filled by plain substitution (never ``str.format``, which would let a
template reach attributes), and an unknown name is refused when the template is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.translation import get_language, gettext, ngettext, pgettext

PLACEHOLDER = re.compile(r"\{(\w+)\}")

COMMON = {
    "greeting": "“Hello Tess,” (or “Hello,” when the first name is unknown)",
    "first_name": "the person's first name",
    "name": "the person's full name",
    "agency": "the agency the training is for",
    "learn_url": "the link to the person's training page",
}
ASSIGNMENT = {
    "curriculum_code": "e.g. CT-201",
    "curriculum_title": "the curriculum's title",
    "due_date": "e.g. March 4, 2026",
    "when": "“in 7 days”, “today” or “3 days ago”",
}
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "early": {**COMMON, **ASSIGNMENT},
    "final": {**COMMON, **ASSIGNMENT},
    "overdue": {**COMMON, **ASSIGNMENT},
    "certificate": {
        **COMMON,
        "serial": "the certificate's serial number",
        "curriculum_code": "e.g. CT-201",
        "curriculum_title": "the curriculum's title",
        "expiry_date": "e.g. March 4, 2026",
        "when": "“in 30 days”",
    },
    "remind_now": {
        **COMMON,
        "sender": "who sent the reminder",
        "items": "the list of the person's open training with due dates, one per line",
    },
    # The weekly digest: this text opens it; the tables of overdue and due-soon people follow it.
    "digest": {
        "greeting": COMMON["greeting"],
        "first_name": COMMON["first_name"],
        "name": COMMON["name"],
        "date": "the digest's date, e.g. March 4, 2026",
        "overdue": "how many items are overdue",
        "due_soon": "how many items are due soon",
        "days": "how many days “due soon” covers (30)",
        "dashboard_url": "the link to the compliance dashboard",
    },
}

_FOOTER = "If you think this is a mistake, talk to your supervisor or agency administrator."
DEFAULTS: dict[str, tuple[str, str]] = {
    "early": (
        "{curriculum_code} {curriculum_title} is due on {due_date}",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} is due on {due_date}, "
        f"{{when}}.\n\nContinue your training: {{learn_url}}\n\n{_FOOTER}",
    ),
    "final": (
        "Reminder: {curriculum_code} {curriculum_title} is due on {due_date}",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} is due on {due_date}, "
        f"{{when}}.\n\nContinue your training: {{learn_url}}\n\n{_FOOTER}",
    ),
    "overdue": (
        "{curriculum_code} {curriculum_title} is overdue (it was due on {due_date})",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} was due on {due_date} and "
        f"is now overdue.\n\nContinue your training: {{learn_url}}\n\n{_FOOTER}",
    ),
    "certificate": (
        "Your {curriculum_code} certificate expires on {expiry_date}",
        "{greeting}\n\nYour certificate {serial} for {curriculum_code} {curriculum_title} expires on "
        "{expiry_date}, {when}. Complete the curriculum again before then to stay compliant.\n\n"
        "Your training: {learn_url}",
    ),
    "remind_now": (
        "Reminder from {sender}: training to complete",
        "{greeting}\n\n{sender} asked us to remind you of your training at {agency}:\n\n{items}\n\n"
        f"Continue your training: {{learn_url}}\n\n{_FOOTER}",
    ),
    "digest": (
        "Training digest: {overdue} overdue, {due_soon} due within {days} days",
        "{greeting}\n\nTraining of the people you are responsible for, as of {date}: overdue items and items "
        "due within {days} days.",
    ),
}


_FOOTER_ES = "Si cree que se trata de un error, hable con su supervisor(a) o con el administrador(a) de su agencia."
# The Spanish texts a learner who chose Spanish gets (``ReminderTemplate.subject_es``/``body_es``), same placeholders.
DEFAULTS_ES: dict[str, tuple[str, str]] = {
    "early": (
        "{curriculum_code} {curriculum_title}: fecha límite el {due_date}",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tiene fecha límite el "
        f"{{due_date}}, {{when}}.\n\nContinúe su capacitación: {{learn_url}}\n\n{_FOOTER_ES}",
    ),
    "final": (
        "Recordatorio: {curriculum_code} {curriculum_title} tiene fecha límite el {due_date}",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tiene fecha límite el "
        f"{{due_date}}, {{when}}.\n\nContinúe su capacitación: {{learn_url}}\n\n{_FOOTER_ES}",
    ),
    "overdue": (
        "{curriculum_code} {curriculum_title} está vencida (la fecha límite era el {due_date})",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tenía fecha límite el "
        f"{{due_date}} y ahora está vencida.\n\nContinúe su capacitación: {{learn_url}}\n\n{_FOOTER_ES}",
    ),
    "certificate": (
        "Su certificado de {curriculum_code} vence el {expiry_date}",
        "{greeting}\n\nSu certificado {serial} de {curriculum_code} {curriculum_title} vence el "
        "{expiry_date}, {when}. Vuelva a completar el currículo antes de esa fecha para mantenerse en "
        "cumplimiento.\n\nSu capacitación: {learn_url}",
    ),
    "remind_now": (
        "Recordatorio de {sender}: capacitación pendiente",
        "{greeting}\n\n{sender} nos pidió recordarle su capacitación en {agency}:\n\n{items}\n\n"
        f"Continúe su capacitación: {{learn_url}}\n\n{_FOOTER_ES}",
    ),
    "digest": (
        "Resumen de capacitación: {overdue} vencidas, {due_soon} con fecha límite en los próximos {days} días",
        "{greeting}\n\nCapacitación de las personas a su cargo al {date}: elementos vencidos y elementos con "
        "fecha límite en los próximos {days} días.",
    ),
}


def check_placeholders(*, kind: str, text: str) -> str:
    """An error message naming the unknown placeholders in ``text``, or "" when every one is offered."""
    allowed = PLACEHOLDERS.get(kind, {})
    unknown = sorted({name for name in PLACEHOLDER.findall(text or "") if name not in allowed})
    if not unknown:
        return ""
    names = ", ".join("{" + name + "}" for name in unknown)
    offered = ", ".join("{" + name + "}" for name in allowed)
    return f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {names}. You can use: {offered}."


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each {name} by its value; anything else (a lone brace, an unknown name) stays as typed."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def long_date(day: date) -> str:
    """ "March 4, 2026" in English, "4 de marzo de 2026" in Spanish (the active language's month names)."""
    return dateformat.format(day, pgettext("long date format", "F j, Y"))


def when(days: int) -> str:
    """Days from today in words, in the active language: "in 7 days", "today", "3 days ago"."""
    if days == 0:
        return gettext("today")
    count = abs(days)
    if days > 0:
        return ngettext("in %(count)d day", "in %(count)d days", count) % {"count": count}
    return ngettext("%(count)d day ago", "%(count)d days ago", count) % {"count": count}


def texts_in_language(*, english: tuple[str, str], spanish: tuple[str, str]) -> tuple[str, str]:
    """The (subject, body) to send in the active language: the Spanish text when Spanish is active and a
    Spanish text exists, else the English one (a coordinator may not have written the Spanish yet)."""
    if (get_language() or "en").startswith("es") and spanish[0].strip() and spanish[1].strip():
        return spanish
    return english


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(*, subject: str, body: str, values: dict[str, str], links: dict[str, str]) -> RenderedEmail:
    """The email as sent: the filled subject (one line), the text with the fixed footer of links, and an HTML
    version of the same text (escaped by the template: coordinator text never becomes markup)."""
    filled_subject = " ".join(fill(subject, values).split())[:255]
    filled_body = fill(body, values).strip()
    footer = [f"{label}: {url}" for label, url in links.items()]
    text = filled_body + "\n\n" + "\n".join(footer) + "\n"
    html = render_to_string(
        "compliance/email/templated.html",
        {"subject": filled_subject, "paragraphs": filled_body.split("\n\n"), "links": links},
    )
    return RenderedEmail(subject=filled_subject, text=text, html=html)


SAMPLE = {
    "greeting": "Hello Tess,",
    "first_name": "Tess",
    "name": "Tess Team",
    "agency": "North Clinic",
    "learn_url": "https://learn.example.org/learn/",
    "curriculum_code": "CT-201",
    "curriculum_title": "Medical Case Management Essentials",
    "due_date": "March 4, 2026",
    "when": "in 7 days",
    "serial": "CMTP-2025-000123",
    "expiry_date": "March 4, 2026",
    "sender": "Sam Supervisor",
    "items": "- CT-201 Medical Case Management Essentials: due March 4, 2026 (overdue)\n"
    "- CT-105 Documentation Basics: due April 1, 2026",
    "date": "March 2, 2026",
    "overdue": "3",
    "due_soon": "5",
    "days": "30",
    "dashboard_url": "https://learn.example.org/compliance/",
}
SAMPLE_LINKS = {
    "Reminders we have sent you": "https://learn.example.org/compliance/my-reminders/",
    "Your notification settings": "https://learn.example.org/accounts/notifications/",
}


def preview(*, template: object) -> dict[str, object]:
    """The template filled with sample values, for the preview in the Wagtail admin: the email as sent, and
    its paragraphs and links for showing the HTML version in the page itself (escaped there too)."""
    subject = str(getattr(template, "subject", "") or "")
    body = str(getattr(template, "body", "") or "")
    email = render_email(subject=subject, body=body, values=SAMPLE, links=SAMPLE_LINKS)
    return {
        "subject": email.subject,
        "text": email.text,
        "paragraphs": fill(body, SAMPLE).strip().split("\n\n"),
        "links": SAMPLE_LINKS,
    }
