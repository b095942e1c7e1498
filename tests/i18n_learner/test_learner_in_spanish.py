"""Issue 24, the learner side in Spanish: a signed-in learner with Spanish active sees the dashboard, a
curriculum, a lesson, the quiz (attempt, unanswered warning, validation error, result and its scoring
feedback), the transcript, their certificates and their competencies in Spanish, rendered from the real
compiled catalogue; the English strings that were wrapped are gone, and English visitors still get English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_urlconf
from django.urls.base import get_resolver
from django.utils import timezone
from django.utils.translation import override

from assessments.models import Attempt
from curricula.rules import AssignmentState
from tests.assessments.builders import full_quiz
from tests.certificates.conftest import complete
from tests.factories import AssignmentFactory, StaffFactory, UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


def es(path: str) -> str:
    """The Spanish address of a page: `/es/...` once the URLs carry the language (i18n_patterns), else the
    same path (the language cookie the client sends then chooses Spanish)."""
    resolver = get_resolver(get_urlconf())
    prefixed = any(
        getattr(p, "pattern", None).__class__.__name__ == "LocalePrefixPattern" for p in resolver.url_patterns
    )
    return f"/es{path}" if prefixed and not path.startswith("/es/") else path


@pytest.fixture
def learner() -> Client:
    """A signed-in learner at an agency whose browser asks for Spanish."""
    user = UserFactory(first_name="Lucía", last_name="Gómez")
    StaffFactory(user=user)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def spanish_page(client: Client, path: str, *, status: int = 200) -> str:
    response = client.get(es(path))
    assert response.status_code == status, (path, response.status_code)
    html = response.content.decode()
    assert re.search(r'<html[^>]*\blang="es"', html), "the page does not say it is Spanish"
    return html


def assert_absent(html: str, *english: str) -> None:
    leftovers = [text for text in english if text in html]
    assert not leftovers, f"English left on a Spanish page: {leftovers}"


def test_dashboard_in_spanish(learner):
    curriculum = make_curriculum(code="ES-101")
    staff = learner.user.staff_records.get()
    AssignmentFactory(staff=staff, curriculum=curriculum, due_on=timezone.localdate() - timedelta(days=3))
    html = spanish_page(learner, "/learn/")
    assert "<h1>Mi capacitación</h1>" in html
    assert "Vencida: la fecha límite era el" in html  # the overdue badge, with a Spanish date
    assert "Mi historial académico" in html and "Mis certificados" in html
    assert "Asignado manualmente" in html  # the assignment's source, a model choice
    assert_absent(html, "My training", "Overdue: was due", "My transcript", "My certificates", "Assigned by hand")


def test_dashboard_with_nothing_assigned_says_so_in_spanish(learner):
    html = spanish_page(learner, "/learn/")
    assert "Por ahora no tiene capacitación asignada." in html and "Explore los currículos" in html
    assert_absent(html, "You have no assigned training right now", "Browse the curricula")


def test_curriculum_and_lesson_pages_in_spanish(learner):
    curriculum = make_curriculum(code="ES-102", modules=2, lessons_per_module=2)
    lesson = curriculum.lessons().first()
    html = spanish_page(learner, lesson.url)  # reading it starts the curriculum
    assert "Marcar como completada y continuar" in html and "unos" in html and "minutos" in html
    assert 'aria-label="Índice del currículo"' in html and "0% completado" in html
    assert_absent(html, "Mark as complete and continue", "Curriculum outline", "% complete", "about ")

    html = spanish_page(learner, curriculum.url)
    for spanish in [
        "Horas de crédito",
        "Tiempo estimado",
        "Validez del certificado",
        "12 meses; después",
        "Módulos y lecciones",
        "Su progreso",
        "elementos obligatorios",
    ]:
        assert spanish in html, spanish
    assert_absent(html, "Credit hours", "Estimated time", "Modules and lessons", "Your progress", "required items")


def test_quiz_attempt_warning_validation_and_result_in_spanish(learner):
    quiz, parts = full_quiz()
    html = spanish_page(learner, f"/quiz/{quiz.key}/")
    assert f"Cuestionario: {quiz.title}" in html and "Empezar el cuestionario" in html
    assert "6 preguntas basadas en casos." in html and "Nota mínima para aprobar" in html
    assert_absent(html, "Start the quiz", "scenario-based questions", "Pass mark")

    learner.post(es(f"/quiz/{quiz.key}/start/"))
    attempt = Attempt.objects.get(user=learner.user)
    html = spanish_page(learner, f"/quiz/attempts/{attempt.pk}/")
    for spanish in [
        "Enviar mis respuestas",
        "Guardar y terminar más tarde",
        "Pregunta 1",
        "Verdadero",
        "Falso",
        "Elija todas las que correspondan.",
        "Posición…",
        "Continuar el caso",
        "Intento 1",
    ]:
        assert spanish in html, spanish
    assert_absent(
        html,
        "Submit my answers",
        "Save and finish later",
        "Question 1",
        ">True<",
        "Choose all that apply",
        "Position…",
        "Continue the scenario",
    )

    # Submitting with nothing answered: the warning, in Spanish, and nothing spent.
    response = learner.post(es(f"/quiz/attempts/{attempt.pk}/"), {"action": "submit"})
    html = response.content.decode()
    assert "¿Enviar el intento 1?" in html and "6 preguntas no están respondidas" in html
    assert "Enviar de todos modos" in html
    assert_absent(html, "Submit attempt 1?", "not answered", "Submit anyway")

    # An answer that is not one of the options: refused with a Spanish explanation, nothing saved.
    single_q = parts["single"][0]
    response = learner.post(es(f"/quiz/attempts/{attempt.pk}/"), {"action": "save", f"q{single_q.pk}": "999999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No se guardó nada." in html
    assert "Esa respuesta no es una de las opciones." in html or "Elija una de las opciones de la lista." in html
    assert_absent(html, "Nothing was saved.", "That answer is not one of the options.", "Choose one of the listed")

    # Right single choice, a wrong true/false, the rest left empty: scored and explained in Spanish.
    _, right, _ = parts["single"]
    learner.post(
        es(f"/quiz/attempts/{attempt.pk}/"),
        {
            "action": "submit",
            "confirmed": "yes",
            f"q{single_q.pk}": str(right.pk),
            f"q{parts['truefalse'].pk}": "false",
        },
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and not attempt.passed
    html = spanish_page(learner, f"/quiz/attempts/{attempt.pk}/result/")
    assert "No aprobado" in html and "Nota mínima para aprobar" in html
    assert "Intentar de nuevo" in html or "Competencias que debe repasar" in html
    assert_absent(html, "Not passed", "Pass mark", "Try again", "Competencies to revisit", "Back to the quiz page")


def test_scoring_feedback_in_spanish_after_a_pass(learner):
    from tests.assessments.test_attempts import perfect_post

    quiz, parts = full_quiz(review_failed=["score", "questions", "responses", "feedback", "answers"])
    learner.post(es(f"/quiz/{quiz.key}/start/"))
    attempt = Attempt.objects.get(user=learner.user)
    learner.post(es(f"/quiz/attempts/{attempt.pk}/"), {**perfect_post(parts), "action": "submit"})
    html = spanish_page(learner, f"/quiz/attempts/{attempt.pk}/result/")
    for spanish in [
        "Su puntuación: 100%",
        "Aprobado",
        "Retroalimentación",
        "Correcta",
        "Usted eligió:",
        "Por qué:",
        "Fuente: Seed 000",
        "Su orden:",
        "Crédito parcial:",
    ]:
        assert spanish in html, spanish
    assert_absent(html, "Your score", "Feedback", "You chose:", "Why:", "Source:", "Your order:", "Partial credit")


def test_attempt_limit_and_wait_explained_in_spanish(learner):
    quiz, _ = full_quiz(max_attempts=1)
    learner.post(es(f"/quiz/{quiz.key}/start/"))
    attempt = Attempt.objects.get(user=learner.user)
    learner.post(es(f"/quiz/attempts/{attempt.pk}/"), {"action": "submit", "confirmed": "yes"})
    html = spanish_page(learner, f"/quiz/{quiz.key}/")
    assert "Ya usó todos los intentos permitidos en este cuestionario (1)." in html
    assert "Sus intentos" in html and "Mejor puntuación:" in html
    assert_absent(html, "You have used all", "Your attempts", "Best score")

    waiting, _ = full_quiz(key="waiting", wait_minutes=120, wait_after_failures=1)
    learner.post(es(f"/quiz/{waiting.key}/start/"))
    attempt = Attempt.objects.get(user=learner.user, quiz=waiting)
    learner.post(es(f"/quiz/attempts/{attempt.pk}/"), {"action": "submit", "confirmed": "yes"})
    attempt.refresh_from_db()
    html = spanish_page(learner, f"/quiz/{waiting.key}/")
    opens = timezone.localtime(attempt.submitted_at + timedelta(minutes=120))  # type: ignore[operator]
    with override("es"):
        from django.utils.dateformat import format as date_format

        month = date_format(opens, "F")
    assert "Espere antes de volver a intentarlo: su próximo intento se habilita el" in html
    assert f"{opens.day} de {month} de {opens.year}, a las {opens:%H:%M}" in html
    assert "Después de un intento no aprobado, espere 2 horas antes del siguiente." in html
    assert_absent(html, "Please wait", "After a failed attempt")


def test_transcript_certificates_and_competencies_in_spanish(learner):
    from certificates.services import issue_certificate

    curriculum = make_curriculum(code="ES-103")
    certificate = issue_certificate(completion=complete(learner.user, curriculum))
    html = spanish_page(learner, "/learn/transcript/")
    assert "<h1>Mi historial académico</h1>" in html and "Total de horas de crédito:" in html
    assert f'href="{es(f"/certificates/{certificate.pk}/")}"' in html  # the link carries the language
    assert_absent(html, "My transcript", "Total credit hours", "Credit hours", "No completed curricula")

    html = spanish_page(learner, "/certificates/")
    expires = certificate.expires_on
    with override("es"):
        from django.utils.dateformat import format as date_format

        spanish_date = date_format(expires, "j \\d\\e F \\d\\e Y")
    assert "<h1>Mis certificados</h1>" in html and "Número de serie" in html and "Descargar" in html
    assert spanish_date in html  # dates in Spanish order and words
    assert "Válido, vence en" in html or ">Válido<" in html
    assert_absent(html, "My certificates", "Serial", "Completed", "Expires", "Does not expire", "Valid")

    html = spanish_page(learner, f"/certificates/{certificate.pk}/")
    for spanish in [
        "Datos del certificado",
        "Participante",
        "Código de verificación",
        "Página pública de verificación",
        "Competencias cubiertas",
        "Descargar la credencial firmada Open Badges 3.0",
    ]:
        assert spanish in html, spanish
    assert_absent(
        html,
        "Certificate details",
        "Learner",
        "Verification code",
        "Public verification page",
        "Download the signed Open Badges 3.0 credential",
    )

    html = spanish_page(learner, "/competencies/")
    assert "<h1>Mis competencias</h1>" in html and "Ha demostrado 0 de las" in html
    assert "Aún no demostrada" in html and "Una competencia queda demostrada" in html
    assert_absent(html, "My competencies", "You have demonstrated", "Not yet shown", "A competency is demonstrated")


def test_english_stays_english(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/learn/").content.decode()
    assert re.search(r'<html[^>]*\blang="en"', html)
    assert "<h1>My training</h1>" in html and "Mi capacitación" not in html


def test_waived_and_completed_badges_use_the_assignment_words(learner):
    staff = learner.user.staff_records.get()
    AssignmentFactory(staff=staff, curriculum=make_curriculum(code="ES-104"), state=AssignmentState.WAIVED)
    html = spanish_page(learner, "/learn/")
    assert "Eximida" in html and "Completada" in html  # the badge and the group heading
    assert_absent(html, "Waived", ">Completed")
