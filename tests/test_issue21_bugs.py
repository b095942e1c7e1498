"""Issue 21 item 7: the roster import page before anything is submitted, the active-staff count an agency
administrator sees on /agency/, and how a long-overdue assignment is said on the learner's own page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import JobRole
from tests.factories import AgencyFactory, AssignmentFactory, StaffFactory, make_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency_admin():
    agency = AgencyFactory(name="Harbor Health", slug="harbor")
    admin = StaffFactory(agency=agency, is_agency_admin=True, role=JobRole.OTHER)
    for _ in range(11):
        StaffFactory(agency=agency)
    StaffFactory(agency=agency, active=False, left_on=date(2025, 1, 31))  # a former employee is not counted
    StaffFactory(agency=AgencyFactory(slug="elsewhere"))  # nor is anyone at another agency
    return admin


def test_import_page_shows_no_error_before_anything_is_submitted(client, agency_admin):
    client.force_login(agency_admin.user)
    response = client.get(reverse("agencies:import", args=["harbor"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" not in html and "This field is required" not in html
    # and submitting nothing still says what is missing
    html = client.post(reverse("agencies:import", args=["harbor"])).content.decode()
    assert "There is a problem" in html and "This field is required" in html


def test_agency_home_counts_every_active_staff_member(client, agency_admin):
    client.force_login(agency_admin.user)
    html = client.get(reverse("agencies:home")).content.decode()
    row = re.search(r"Harbor Health</a></th>\s*<td>(\d+)</td>", html)
    assert row and row.group(1) == "12", html  # the administrator and 11 colleagues


def test_long_overdue_training_is_said_as_a_date_and_in_years_and_months(client):
    member = StaffFactory()
    due = timezone.localdate() - timedelta(days=1080)
    AssignmentFactory(staff=member, curriculum=make_curriculum(code="CT-901"), due_on=due, required_from=due)
    client.force_login(member.user)
    html = client.get(reverse("curricula:dashboard")).content.decode()
    assert "1080 days" not in html
    badge = re.search(r'<span class="badge status-overdue">(.*?)</span>', html, re.S).group(1)
    assert f"was due {due:%b} {due.day}, {due.year}" in badge
    assert re.search(r"\(2\xa0years, 11\xa0months ago\)", badge), badge


def test_one_day_overdue_is_said_in_days(client):
    member = StaffFactory()
    due = timezone.localdate() - timedelta(days=1)
    AssignmentFactory(staff=member, curriculum=make_curriculum(code="CT-902"), due_on=due, required_from=due)
    client.force_login(member.user)
    badge = re.search(
        r'<span class="badge status-overdue">(.*?)</span>', client.get(reverse("curricula:dashboard")).content.decode()
    ).group(1)
    assert "(1\xa0day ago)" in badge, badge
