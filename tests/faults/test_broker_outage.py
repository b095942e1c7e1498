"""Broker down, or restarted empty: a change that committed answers success, and the emails and PDFs it
owes are sent once the broker is back (issue 14). Against our own real Redis, stopped and started here, and
a real Celery worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies.models import JobRole, StaffMember
from assessments.models import Attempt
from certificates.models import Certificate
from tests.assessments.builders import full_quiz
from tests.assessments.test_attempts import perfect_post
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_curriculum

from .conftest import celery_worker, wait_for

pytestmark = [pytest.mark.redis_fault, pytest.mark.django_db(transaction=True)]


def _sweep_now() -> int:
    """What the beat sweep does every minute, without waiting for its grace periods."""
    from outbox.services import dispatch_pending

    return dispatch_pending(settle=timedelta(0), grace=timedelta(0))


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _assert_certificate_delivered(user) -> None:
    # Long enough for one retry: on the in-memory test database the worker's two threads (PDF and email) can
    # collide on SQLite's shared-cache table lock, and the task then retries after about 30 s, as it should.
    wait_for(lambda: any(user.email in m.to for m in mail.outbox), timeout=120, what="the certificate email")
    certificate = wait_for(lambda: Certificate.objects.filter(user=user).first(), what="the certificate")
    # Read back through wait_for too: the worker may still be writing the other learner's certificate.
    certificate = wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk, rendered_at__isnull=False).first(),
        timeout=120,
        what="the certificate PDF",
    )
    assert certificate.emailed_at is not None and certificate.pdf
    [email] = [m for m in mail.outbox if user.email in m.to]
    assert certificate.serial in email.body


def _learner_one_lesson_from_done(email: str) -> tuple[Client, object]:
    user = UserFactory(email=email)
    lessons = list(make_curriculum(lessons_per_module=2).lessons())
    client = _signed_in(user)
    assert client.post(f"/learn/lessons/{lessons[0].pk}/complete/").status_code == 302
    return client, lessons[1]


def _quiz_taker_one_submit_from_done(email: str) -> tuple[Client, Attempt, dict]:
    from curricula.completion import record_lesson_completion

    user = UserFactory(email=email)
    quiz, parts = full_quiz()
    for lesson in quiz.curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson.specific)
    client = _signed_in(user)
    client.post(f"/quiz/{quiz.key}/start/")
    return client, Attempt.objects.get(user=user), {**perfect_post(parts), "action": "submit"}


def _agency_admin_with_a_checked_roster(tmp_path) -> tuple[Client, str, object]:
    agency = AgencyFactory(name="Harbor Health", slug="harbor", categories=[category("MCM")])
    admin = UserFactory(email="admin@harbor.org", username="admin@harbor.org")
    StaffFactory(user=admin, agency=agency, role=JobRole.OTHER, is_agency_admin=True)
    client = _signed_in(admin)
    upload = tmp_path / "roster.csv"
    upload.write_text(
        "name,email,role,hire_date,supervisor_email,active\n"
        "Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes\n"
        "Bo Chen,bo@harbor.org,nmcm,2024-02-01,,yes\n"
    )
    with upload.open("rb") as handle:
        preview = client.post(reverse("agencies:import", args=[agency.slug]), {"file": handle})
    assert preview.status_code == 302
    return client, preview["Location"], agency


def test_with_the_broker_down_completions_and_imports_succeed_and_their_emails_follow(celery_broker, tmp_path):
    """The last lesson, the final quiz submit and a roster import, each while Redis is down: each committed
    change answers success (not a 500); once Redis is back, the sweep hands over every email and PDF."""
    lesson_client, last_lesson = _learner_one_lesson_from_done("last.lesson@example.org")
    quiz_client, attempt, submit = _quiz_taker_one_submit_from_done("quiz.taker@example.org")
    admin_client, preview_url, agency = _agency_admin_with_a_checked_roster(tmp_path)

    celery_broker.stop()
    response = lesson_client.post(f"/learn/lessons/{last_lesson.pk}/complete/")
    assert response.status_code == 302  # the completion committed: the learner is told so, not shown a 500
    response = quiz_client.post(f"/quiz/attempts/{attempt.pk}/", submit)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed
    applied = admin_client.post(preview_url, {})
    assert applied.status_code == 302 and applied["Location"] == reverse("agencies:roster", args=[agency.slug])
    assert StaffMember.objects.filter(agency=agency, user__email__in=["ana@harbor.org", "bo@harbor.org"]).count() == 2
    assert (
        Certificate.objects.filter(user__email__in=["last.lesson@example.org", "quiz.taker@example.org"]).count() == 2
    )
    assert not mail.outbox

    celery_broker.start()
    assert _sweep_now() == 6  # two PDFs, two certificate emails, one batch of set-password emails, one fold of
    # the passed quiz into its item statistics
    with celery_worker():
        _assert_certificate_delivered(lesson_client.user)
        _assert_certificate_delivered(quiz_client.user)
        wait_for(lambda: {"ana@harbor.org", "bo@harbor.org"} <= {m.to[0] for m in mail.outbox}, what="set-password")
    assert len(mail.outbox) == 4


def test_a_redis_restart_without_persistence_loses_no_certificate_email_or_pdf(celery_broker):
    """The tasks were queued, then Redis restarted empty before any worker took them."""
    user = UserFactory(email="restart@example.org")
    lessons = list(make_curriculum(lessons_per_module=1).lessons())
    assert _signed_in(user).post(f"/learn/lessons/{lessons[0].pk}/complete/").status_code == 302
    assert celery_broker.queued() == 2  # render + email, waiting for a worker

    celery_broker.restart()
    assert celery_broker.queued() == 0  # lost with the restart

    assert _sweep_now() == 2
    with celery_worker():
        _assert_certificate_delivered(user)


def test_with_the_broker_down_a_password_reset_answers_as_usual_and_the_email_follows(celery_broker):
    """The reset page queues its email: with Redis down it still says "check your email" (not a 500), and the
    link is sent once the broker is back."""
    UserFactory(email="forgot@example.org", username="forgot@example.org")
    celery_broker.stop()
    response = Client().post("/accounts/password_reset/", {"email": "forgot@example.org"})
    assert response.status_code == 302
    assert not mail.outbox

    celery_broker.start()
    assert _sweep_now() == 1
    with celery_worker():
        wait_for(lambda: any("forgot@example.org" in m.to for m in mail.outbox), what="the reset email")
