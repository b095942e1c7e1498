"""The whole Redis down (cache and broker): pages keep working with the cache treated as misses, signed-in
people stay signed in, the error page needs no service, and /health/ reports the outage (issue 14).

The cache and session settings are the ones config/settings/base.py derives from REDIS_URL, pointed at a
redis-server of the test's own that it stops."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client, RequestFactory

from certificates.services import issue_certificate
from tests.factories import CurriculumCompletionFactory, UserFactory, make_curriculum

pytestmark = [pytest.mark.redis_fault, pytest.mark.django_db]

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"
PASSWORD = "correct horse battery"  # noqa: S105


@pytest.fixture
def redis_everything(redis_server, settings):
    """Cache, sessions and broker configured as production does with REDIS_URL set, on our own Redis."""
    with mock.patch.dict(os.environ, {"REDIS_URL": redis_server.url(1)}):
        configured = runpy.run_path(str(BASE_SETTINGS))
    settings.CACHES = configured["CACHES"]
    settings.SESSION_ENGINE = configured["SESSION_ENGINE"]
    for name in ("RATELIMIT_FAIL_OPEN", "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"):
        if name in configured:
            setattr(settings, name, configured[name])
    settings.CELERY_BROKER_URL = redis_server.url(0)
    from django.core.cache import cache

    cache.set("probe", 1)
    assert cache.get("probe") == 1, "the cache is not our Redis"
    return redis_server


def _certificate_code() -> str:
    from django.utils import timezone

    user = UserFactory()
    curriculum = make_curriculum()
    completion = CurriculumCompletionFactory(user=user, curriculum=curriculum, completed_at=timezone.now())
    return issue_certificate(completion=completion).code


def test_a_signed_in_learner_stays_signed_in_when_redis_goes_down(redis_everything):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/learn/").status_code == 200

    redis_everything.stop()
    response = client.get("/learn/")
    assert response.status_code == 200, "signed out (or an error) when the cache went away"
    assert response.wsgi_request.user == user


def test_public_pages_login_and_verification_work_without_redis(redis_everything):
    code = _certificate_code()
    user = UserFactory(email="back.again@example.org", username="back.again@example.org")
    user.set_password(PASSWORD)
    user.save()
    redis_everything.stop()

    client = Client()
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert client.get(f"/verify/{code}/").status_code == 200  # the look-up limit fails open
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/learn/").status_code == 200


def test_the_error_page_needs_no_database_and_no_cache(redis_everything, django_assert_num_queries):
    from config.views import server_error

    redis_everything.stop()
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_health_reports_the_outage(redis_everything):
    client = Client()
    assert client.get("/health/").status_code == 200
    redis_everything.stop()
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
