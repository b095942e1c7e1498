"""Two-factor sign-in (django-otp): accounts that reach more than one agency or an admin set up an
authenticator app before anything else and give a code at every sign-in; recovery codes work once;
agency administrators of one agency may opt in. Runs with enforcement on (the setting other tests turn off
because they sign in with force_login)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from agencies.access import requires_two_factor
from agencies.models import JobRole
from tests.factories import AgencyFactory, StaffFactory, TrainingCoordinatorFactory, UserFactory, make_coordinator

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.ACCOUNTS_REQUIRE_TWO_FACTOR = True


def sign_in(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def code_for(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    two_factor.replace_recovery_codes(user=user)
    return device


def agency_admin(*agencies):
    user = UserFactory()
    for agency in agencies:
        StaffFactory(user=user, agency=agency, role=JobRole.OTHER, is_agency_admin=True)
    return user


# ---- who must use it --------------------------------------------------------------------------------------


def test_who_must_use_two_factor():
    one, two = AgencyFactory(), AgencyFactory()
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    limited = UserFactory()
    TrainingCoordinatorFactory(user=limited, all_agencies=False)
    assert requires_two_factor(make_coordinator())
    assert requires_two_factor(limited), "a coordinator of a listed subset too"
    assert requires_two_factor(UserFactory(is_superuser=True))
    assert requires_two_factor(editor), "anyone who can open the Wagtail admin"
    assert requires_two_factor(UserFactory(is_staff=True)), "anyone who can open the Django admin"
    assert requires_two_factor(agency_admin(one, two)), "an agency administrator of two agencies"
    assert not requires_two_factor(agency_admin(one)), "one agency: may opt in"
    assert not requires_two_factor(UserFactory())


# ---- set-up before anything else --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/agency/", "/learn/", "/admin/", "/django-admin/", "/compliance/"])
def test_a_coordinator_without_a_device_is_sent_to_set_it_up_before_anything_else(client, path):
    coordinator = make_coordinator(is_staff=True)
    sign_in(client, coordinator)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/two-factor/setup/?next={path.replace('/', '%2F')}"


def test_setting_up_an_authenticator_and_recovery_codes(client):
    coordinator = make_coordinator()
    sign_in(client, coordinator)
    page = client.get("/accounts/two-factor/setup/?next=/agency/")
    assert page.status_code == 200
    assert b'src="data:image/png;base64,' in page.content
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert client.get("/accounts/two-factor/setup/").context["key"] == page.context["key"], "reload keeps the key"

    wrong = client.post(
        "/accounts/two-factor/setup/", {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/accounts/two-factor/setup/", {"token": code_for(device), "next": "/agency/"})
    assert done.status_code == 302 and done["Location"].startswith("/accounts/two-factor/recovery-codes/")
    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert 'href="/agency/"' in codes_page.content.decode()
    assert client.get(done["Location"])["Location"] == "/accounts/", "shown once"
    assert client.get("/learn/").status_code == 200, "verified in this session"
    device.refresh_from_db()
    assert device.confirmed


def test_a_password_alone_cannot_add_a_device_to_an_account_that_has_one(client):
    coordinator = make_coordinator()
    enrolled(coordinator)
    sign_in(client, coordinator)
    response = client.get("/accounts/two-factor/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/verify/")
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=False).exists()


# ---- the code at every sign-in ----------------------------------------------------------------------------


def test_every_sign_in_needs_a_code_and_a_code_works_once(client):
    from django.test import Client

    coordinator = make_coordinator(is_staff=True, is_superuser=True)
    device = enrolled(coordinator)
    sign_in(client, coordinator)
    for path in ["/agency/", "/admin/", "/django-admin/"]:
        response = client.get(path)
        assert response["Location"].startswith("/accounts/two-factor/verify/?next="), path
    code = code_for(device)
    verified = client.post("/accounts/two-factor/verify/", {"token": code, "next": "/admin/"})
    assert verified.status_code == 302 and verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/learn/").status_code == 200

    other = Client()
    sign_in(other, coordinator)
    replay = other.post("/accounts/two-factor/verify/", {"token": code})
    assert replay.status_code == 200, "the same code cannot be used twice"
    assert other.get("/learn/").status_code == 302


def test_wrong_codes_are_throttled(client):
    coordinator = make_coordinator()
    device = enrolled(coordinator)
    sign_in(client, coordinator)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post("/accounts/two-factor/verify/", {"token": wrong}).status_code == 200
    refused = client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    assert refused.status_code == 200, "right after a wrong code, even the right one waits"
    assert b"wait a minute" in refused.content


def test_a_recovery_code_signs_in_once(client):
    from django.test import Client

    coordinator = make_coordinator()
    enrolled(coordinator)
    codes = two_factor.replace_recovery_codes(user=coordinator)
    sign_in(client, coordinator)
    response = client.post("/accounts/two-factor/verify/", {"token": codes[0].upper(), "next": "/agency/"})
    assert response.status_code == 302 and response["Location"] == "/agency/"
    assert two_factor.remaining_recovery_codes(coordinator) == 9
    again = Client()
    sign_in(again, coordinator)
    assert again.post("/accounts/two-factor/verify/", {"token": codes[0]}).status_code == 200


def test_logging_out_is_always_possible(client):
    coordinator = make_coordinator()
    sign_in(client, coordinator)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_a_learner_is_never_asked(client):
    learner = UserFactory()
    sign_in(client, learner)
    assert client.get("/learn/").status_code == 200


# ---- opting in --------------------------------------------------------------------------------------------


def test_an_agency_administrator_may_opt_in_and_out(client):
    admin = agency_admin(AgencyFactory())
    sign_in(client, admin)
    assert client.get("/agency/").status_code == 200, "not required for one agency"
    account = client.get("/accounts/")
    assert b"Turn on two-factor sign-in" in account.content
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=admin)
    client.post("/accounts/two-factor/setup/", {"token": code_for(device)})

    from django.test import Client

    later = Client()
    sign_in(later, admin)
    assert later.get("/agency/")["Location"].startswith("/accounts/two-factor/verify/"), "opted in: asked every time"
    assert later.post("/accounts/two-factor/turn-off/").status_code == 302, "unverified: sent to verify first"
    assert two_factor.has_two_factor(admin)

    assert client.post("/accounts/two-factor/turn-off/").status_code == 302
    assert not two_factor.has_two_factor(admin)


def test_a_coordinator_cannot_turn_it_off(client):
    coordinator = make_coordinator()
    device = enrolled(coordinator)
    sign_in(client, coordinator)
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    assert client.post("/accounts/two-factor/turn-off/").status_code == 403
    assert two_factor.has_two_factor(coordinator)
