"""The demo stays usable with two-factor on: seed_demo gives the accounts that must use it the published
demo key, and `manage.py demo_totp` prints the code a person trying the demo types."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.demo import demo_code

pytestmark = pytest.mark.django_db


def test_demo_coordinator_signs_in_with_the_demo_code(client, settings):
    settings.ACCOUNTS_REQUIRE_TWO_FACTOR = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "manage.py demo_totp" in out.getvalue()
    client.post("/accounts/login/", {"username": "coordinator@cmtp.demo", "password": "cmtp-demo-2026"})
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/verify/")
    response = client.post("/accounts/two-factor/verify/", {"token": demo_code(), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    printed = io.StringIO()
    call_command("demo_totp", stdout=printed)
    assert printed.getvalue().split()[0] in {demo_code(), demo_code(steps_ahead=1)}

    learner = client.__class__()
    learner.post("/accounts/login/", {"username": "casemanager@harbor.demo", "password": "cmtp-demo-2026"})
    assert learner.get("/learn/").status_code == 200, "case managers are not asked for a code"
