"""Issue 23: a refused login's message is tied to the fields. It names neither field on purpose (it never says
which of the two was wrong), so both are marked invalid and described by it, and the field that takes focus
reads it out instead of focus skipping past it."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no {name} field"
    return match.group(0)


def test_a_refused_login_marks_both_fields_and_ties_the_message_to_them(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<div class="message message-error" id="login-error" role="alert">[^<]*\w', html)
    for name in ("username", "password"):
        field = _input(html, name)
        assert 'aria-invalid="true"' in field and 'aria-describedby="login-error"' in field, field
    assert "autofocus" in _input(html, "username")
    assert "<title>Error: Log in" in html


def test_an_empty_login_says_what_to_enter(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "Enter both your email or username and your password." in html
    assert 'aria-invalid="true"' in _input(html, "password")


def test_the_first_visit_marks_nothing_invalid(client):
    html = client.get("/accounts/login/").content.decode()
    assert "aria-invalid" not in html and 'id="login-error"' not in html
