"""Issue 21 item 5, a new case manager's first day: the roster's email says what is due and links to a
set-password page in the site's own design (never Django admin's) that shows the password rules before the
first try; changing a password later looks the same."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import JobRole
from curricula.models import Assignment
from tests.factories import (
    AgencyFactory,
    StaffFactory,
    UserFactory,
    category,
    make_curriculum,
    make_requirement,
)

pytestmark = pytest.mark.django_db
PASSWORD = "harbor-first-day-2026"
RULE = "Your password must contain at least 10 characters."


def site_page(html: str) -> None:
    """The site's base template, not the Django admin's."""
    assert "Django administration" not in html and "Django site admin" not in html
    assert '<a class="brand" href="/">CMTP <span>Learn</span></a>' in html


@pytest.fixture
def new_hire(client, django_capture_on_commit_callbacks):
    """An agency administrator adds Ana (a medical case manager) through the roster page; her agency is
    mandated CT-101 within 30 days of hire."""
    mcm = category("MCM")
    agency = AgencyFactory(name="Harbor Health", slug="harbor", categories=[mcm])
    make_requirement(make_curriculum(code="CT-101"), categories=[mcm], roles=[JobRole.MCM], due_days=30)
    admin = StaffFactory(agency=agency, role=JobRole.OTHER, is_agency_admin=True)
    client.force_login(admin.user)
    hired = date.today() - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agencies:add_staff", args=["harbor"]),
            {"first_name": "Ana", "last_name": "Diaz", "email": "ana@harbor.org", "role": "mcm",
             "hire_date": hired.isoformat()},
        )  # fmt: skip
    assert response.status_code == 302
    client.logout()
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def test_welcome_email_lists_what_is_due(new_hire):
    assignment = Assignment.objects.get(staff__user__email="ana@harbor.org")
    due = assignment.due_on
    assert f"- CT-101 {assignment.curriculum.title}: due {due:%B} {due.day}, {due.year}" in new_hire.body
    assert "/learn/" in new_hire.body  # where the same list is kept up to date


def test_welcome_email_for_someone_with_nothing_due_says_so(client, django_capture_on_commit_callbacks):
    agency = AgencyFactory(slug="quiet", categories=[category("NMCM")])
    client.force_login(StaffFactory(agency=agency, role=JobRole.OTHER, is_agency_admin=True).user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("agencies:add_staff", args=["quiet"]),
            {"first_name": "Bo", "last_name": "Lee", "email": "bo@quiet.org", "role": "peer",
             "hire_date": "2024-01-15"},
        )  # fmt: skip
    assert "Nothing is assigned to you yet." in mail.outbox[0].body


def test_set_password_page_is_the_sites_and_shows_the_rules_first(client, new_hire):
    link = re.search(r"https?://\S+/accounts/reset/\S+/", new_hire.body).group(0)
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    html = page.content.decode()
    site_page(html)
    assert "Choose a password" in html
    # the rules are plain sentences under the label, before the first input, tied to it for screen readers
    rules = re.search(r'<p class="help" id="id_new_password1_helptext">(.*?)</p>', html, re.S)
    assert rules and RULE in rules.group(1) and "<ul>" not in rules.group(1)
    assert html.index(RULE) < html.index('<input type="password"')
    assert 'aria-describedby="id_new_password1_helptext"' in html

    too_short = client.post(page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    html = too_short.content.decode()
    assert too_short.status_code == 200 and "There is a problem" in html  # the site's error summary
    done = client.post(page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True)
    html = done.content.decode()
    site_page(html)
    assert "Password saved" in html and reverse("curricula:dashboard") in html
    assert client.login(username="ana@harbor.org", password=PASSWORD)


def test_change_password_pages_are_the_sites(client):
    user = UserFactory()
    user.set_password("an-old-long-password-1")
    user.save()
    client.force_login(user)
    html = client.get(reverse("password_change")).content.decode()
    site_page(html)
    assert "Change your password" in html and RULE in html
    done = client.post(
        reverse("password_change"),
        {"old_password": "an-old-long-password-1", "new_password1": PASSWORD, "new_password2": PASSWORD},
        follow=True,
    )
    site_page(done.content.decode())
    assert "Password changed" in done.content.decode()
