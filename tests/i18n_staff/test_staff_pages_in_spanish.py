"""Supervisors and agency administrators who chose Spanish read their pages, roster import errors and the
reminder emails in Spanish; people who did not still read English, and audit exports stay English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.language import save_language
from compliance import tasks
from compliance.models import ReminderTemplate
from curricula.models import Assignment
from tests.compliance.helpers import make_assignment
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def spanish_url(name: str, *args) -> str:
    with translation.override("es"):
        return reverse(name, args=args)


def page(client, user, url: str) -> str:
    save_language(user=user, language="es")
    client.force_login(user)
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert re.search(r'<html[^>]*\blang="es"', html), f"{url} is not marked Spanish"
    return html


def visible_text(html: str) -> str:
    """The page's words (tags dropped), so an English original inside an attribute or a URL is not counted."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_agency_administrator_reads_roster_staff_record_and_compliance_in_spanish(client, agency):
    admin, teammate, slug = agency["admin"].user, agency["teammate"], agency["north"].slug

    roster = visible_text(page(client, admin, spanish_url("agencies:roster", slug)))
    assert "North Clinic: lista de personal" in roster and "Importar una lista de personal" in roster
    assert "Gestor(a) médico(a) de casos" in roster  # the job role label
    for english in ("staff roster", "Import a roster", "Send a reminder now", "Medical case manager", "Next due"):
        assert english not in roster

    record = visible_text(page(client, admin, spanish_url("agencies:staff", slug, teammate.pk)))
    assert "Asignaciones pendientes" in record and "Fecha de contratación" in record
    for english in ("Open assignments", "Hire date", "Job role history", "Extend a due date"):
        assert english not in record

    dashboard = visible_text(page(client, admin, spanish_url("compliance:agency", slug)))
    assert "Cumplimiento de la capacitación: North Clinic" in dashboard
    assert "Tasa de cumplimiento" in dashboard and "Qué significan los estados" in dashboard
    assert "Vencido" in dashboard  # Tess's status cell
    assert re.search(r"Estado de \d+ personas empleadas al \d+ de \w+ de \d{4}", dashboard)  # plural and date
    for english in ("Training compliance", "What the statuses mean", "Overdue", "Staff by curriculum", "Export CSV"):
        assert english not in dashboard

    person = visible_text(page(client, admin, spanish_url("compliance:staff", teammate.pk)))
    assert "Registro de capacitación: Tess Team" in person and "Historial de estados" in person
    assert "Status history" not in person and "Mandated curricula" not in person


def test_supervisor_reads_team_and_team_dashboard_in_spanish(client, agency):
    boss = agency["boss"].user

    team = visible_text(page(client, boss, spanish_url("agencies:team")))
    assert "Mi equipo" in team and "1 persona en su equipo." in team and "Enviar un recordatorio ahora" in team
    for english in ("My team", "person in your team", "Lessons done", "With the people ticked"):
        assert english not in team

    dashboard = visible_text(page(client, boss, spanish_url("compliance:team")))
    assert "Cumplimiento de la capacitación: mi equipo" in dashboard and "Mi equipo por currículo" in dashboard
    assert "La 1 persona que usted supervisa" in dashboard
    for english in ("my team", "Totals by curriculum", "Last 12 months", "Compliance rate"):
        assert english not in dashboard


def test_roster_import_errors_name_their_line_in_spanish(client, agency):
    admin, slug = agency["admin"].user, agency["north"].slug
    csv = (
        b"name,email,role,hire_date,supervisor_email,active\n"
        b"Ana Nueva,ana@example.org,mcm,2024-03-01,,yes\n"
        b"Beto Malo,beto@example.org,chef,2024-13-45,,maybe\n"
    )
    save_language(user=admin, language="es")
    client.force_login(admin)
    response = client.post(
        spanish_url("agencies:import", slug), {"file": SimpleUploadedFile("roster.csv", csv)}, follow=True
    )
    html = response.content.decode()
    assert 'lang="es"' in html
    assert "1 línea con errores" in html
    assert "La fecha de contratación “2024-13-45” no es una fecha con el formato AAAA-MM-DD." in html
    assert "Puesto desconocido “chef”" in html and "El valor de active, “maybe”, debe ser yes o no." in html
    assert re.search(r"<td>3</td><td>Puesto desconocido", html)  # the line number beside the message
    assert "is not a date in the form" not in html and "lines with errors" not in html


def test_reminder_email_is_in_the_learners_language(agency):
    """The daily job (a real Celery task, eager in tests) mails a learner who chose Spanish in Spanish and one
    who did not in English, each from the coordinator's text in that language."""
    today = timezone.localdate()
    teammate, curriculum = agency["teammate"], agency["curriculum"]
    english = StaffFactory(
        agency=agency["north"], hire_date=teammate.hire_date, user=UserFactory(first_name="Eve", last_name="English")
    )
    Assignment.objects.filter(staff=teammate).update(
        required_from=today - timedelta(days=60), due_on=today + timedelta(days=7)
    )
    make_assignment(english, curriculum, required_from=today - timedelta(days=60), due_on=today + timedelta(days=7))
    save_language(user=teammate.user, language="es")

    assert tasks.send_daily_reminders.delay().get() == 2

    spanish_mail = next(m for m in mail.outbox if m.to == [teammate.user.email])
    english_mail = next(m for m in mail.outbox if m.to == [english.user.email])
    template = ReminderTemplate.objects.get(kind="final")
    assert template.subject_es.startswith("Recordatorio:")  # seeded by the migration, editable in the admin
    assert spanish_mail.subject.startswith("Recordatorio: CT-201") and "tiene fecha límite el" in spanish_mail.subject
    body = spanish_mail.body
    assert body.startswith("Hola, Tess:") and "en 7 días" in body and "Continúe su capacitación" in body
    assert re.search(r"\d+ de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre"
                     r"|diciembre) de \d{4}", body)  # fmt: skip
    assert "Recordatorios que le hemos enviado:" in body and "Your training" not in body
    assert 'lang="es"' in spanish_mail.alternatives[0][0]

    assert english_mail.subject.startswith("Reminder: CT-201") and "is due on" in english_mail.subject
    assert english_mail.body.startswith("Hello Eve,") and "in 7 days" in english_mail.body
    assert "Reminders we have sent you:" in english_mail.body and "Hola" not in english_mail.body


def test_audit_export_stays_english_for_a_spanish_reader(client, agency):
    admin, slug = agency["admin"].user, agency["north"].slug
    save_language(user=admin, language="es")
    client.force_login(admin)
    response = client.get(spanish_url("compliance:export", slug, "csv-long"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.startswith("Staff ID,Name,Email,Agency,Role on date,Curriculum code")
    assert "Overdue" in text and "Medical case manager" in text
    assert "Vencido" not in text and "Gestor" not in text
