"""Cross-cutting security checks: open redirects, CSRF on learner writes, enumeration of records."""

import pytest
from django.test import Client

from assessments.models import Attempt
from assessments.services import start_attempt
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, target):
    user = UserFactory()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "correct-horse-battery", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/learn/"


def test_login_follows_a_local_next(client):
    user = UserFactory()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "correct-horse-battery", "next": "/curricula/"}
    )
    assert response["Location"] == "/curricula/"


def test_quiz_start_and_submission_need_a_csrf_token():
    quiz, _ = full_quiz()
    user = UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/quiz/{quiz.key}/start/").status_code == 403
    assert not Attempt.objects.filter(user=user).exists()
    attempt = start_attempt(user=user, quiz=quiz)
    assert strict.post(f"/quiz/attempts/{attempt.pk}/", {"action": "submit"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_learner_pages_require_login(client):
    for url in ["/learn/", "/learn/transcript/", "/certificates/", "/quiz/cmtp-101/", "/compliance/", "/agency/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_a_learner_cannot_reach_management_pages(client):
    client.force_login(UserFactory())
    assert client.get("/agency/").status_code == 403
    assert client.get("/compliance/program/").status_code in (403, 404)
    assert client.get("/quiz/analysis/").status_code == 403
