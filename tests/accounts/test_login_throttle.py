"""Every login path counts the same failures, locks by username and address together, and never signs in
someone the path is not for.

Before the fix only /accounts/login/ was rate-limited: 20 wrong passwords on /admin/login/,
/django-admin/login/ or Wagtail's /_util/login/ and then the right one still signed in, and /admin/login/
signed in users who cannot use the admin."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN_PATHS = ["/accounts/login/", "/admin/login/", "/django-admin/login/", "/_util/login/"]
HERE = "198.51.100.30"
ELSEWHERE = "203.0.113.40"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def post_login(client, path: str, username: str, password: str, address: str = HERE):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_twenty_wrong_passwords_then_the_right_one_does_not_sign_in(client, path):
    user = UserFactory(is_staff=True, is_superuser=True)  # may use every admin
    for _ in range(20):
        post_login(client, path, user.username, "wrong-password")
    post_login(client, path, user.username, PASSWORD)
    assert not signed_in(client)


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_admin_and_page_privacy_login_forms_sign_in_nobody(client, path):
    """They send people to the one site login (with `next` kept), where failures are counted and two-factor
    is enforced; a password posted to them directly is never checked."""
    learner = UserFactory()
    response = post_login(client, path, learner.username, PASSWORD)
    assert not signed_in(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_admin_login_keeps_next_for_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/pages/3/")
    assert response["Location"] == "/accounts/login/?next=/admin/pages/3/"
    response = client.get("/django-admin/login/")
    assert response["Location"] == "/accounts/login/?next=/django-admin/"
    response = client.get("/_util/login/?next=/private-page/")
    assert response["Location"] == "/accounts/login/?next=/private-page/"


def test_admin_login_refuses_a_signed_in_user_who_cannot_use_the_admin(client):
    """Wagtail sends a signed-in learner who opens /admin/ to /admin/login/: a clear refusal, not a loop."""
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert b"cannot use the admin" in response.content


def test_lockout_is_by_username_and_address_together(client):
    user = UserFactory()
    statuses = [post_login(client, "/accounts/login/", user.username, "wrong-password").status_code for _ in range(10)]
    assert statuses == [200] * 9 + [429], "the tenth failure locks"
    locked = post_login(client, "/accounts/login/", user.username, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert b"15 minutes" in locked.content
    assert not signed_in(client)
    # The same person from another address is not locked out by what was tried from the first one.
    assert post_login(client, "/accounts/login/", user.username, PASSWORD, ELSEWHERE).status_code == 302
    assert signed_in(client)


def test_other_usernames_from_the_same_address_are_not_locked(client):
    victim, other = UserFactory(), UserFactory()
    for _ in range(12):
        post_login(client, "/accounts/login/", victim.username, "wrong-password")
    assert post_login(client, "/accounts/login/", other.username, PASSWORD).status_code == 302


def test_changing_the_case_of_the_username_does_not_buy_more_attempts(client):
    user = UserFactory(username="pat@example.org", email="pat@example.org")
    for i in range(10):
        name = "PAT@example.org" if i % 2 else "Pat@Example.org"
        post_login(client, "/accounts/login/", name, "wrong-password")
    assert post_login(client, "/accounts/login/", user.username, PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    user = UserFactory()
    for _ in range(10):
        post_login(client, "/accounts/login/", user.username, "wrong-password")
    assert post_login(client, "/accounts/login/", user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert post_login(client, "/accounts/login/", user.username, PASSWORD).status_code == 302
