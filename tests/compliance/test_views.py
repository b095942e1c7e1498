"""Dashboards through the test client: who is sent where, who may see what, and what the pages show."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agencies.models import TrainingCoordinator
from tests.factories import make_coordinator

pytestmark = pytest.mark.django_db


def login(client, staff_or_user):
    user = getattr(staff_or_user, "user", staff_or_user)
    client.force_login(user)
    return user


def test_home_sends_each_person_to_their_view(client, world):
    coordinator = make_coordinator()
    login(client, coordinator)
    assert client.get(reverse("compliance:home")).url == reverse("compliance:program")
    login(client, world["north_admin"])
    assert client.get(reverse("compliance:home")).url == reverse("compliance:agency", args=["north"])
    login(client, world["boss"])
    assert client.get(reverse("compliance:home")).url == reverse("compliance:team")
    login(client, world["learner"])
    assert client.get(reverse("compliance:home")).status_code == 403


def test_home_lists_agencies_for_an_admin_of_several(client, world):
    from tests.factories import StaffFactory

    StaffFactory(user=world["north_admin"].user, agency=world["south"], is_agency_admin=True)
    login(client, world["north_admin"])
    response = client.get(reverse("compliance:home"))
    assert response.status_code == 200
    assert b"North Clinic" in response.content and b"South Clinic" in response.content


def test_home_needs_login(client):
    response = client.get(reverse("compliance:home"))
    assert response.status_code == 302 and "login" in response.url


def test_agency_dashboard_shows_status_as_text_and_colour(client, world):
    login(client, world["north_admin"])
    response = client.get(reverse("compliance:agency", args=["north"]), {"as_of": "2024-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="cell status-compliant"[^>]*>\s*<span class="cell-status">Compliant</span>', html)
    assert "revoked later on 2024-10-01" in html
    assert re.search(r'class="cell status-overdue"[^>]*>\s*<span class="cell-status">Overdue</span>', html)
    assert "Tess Team" in html and "Otto Other" in html
    assert "Lena South" not in html  # another agency
    assert 'scope="col"' in html and "<caption" in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "style=" not in html  # the CSP forbids both


def test_agency_dashboard_filters(client, world):
    login(client, world["north_admin"])
    url = reverse("compliance:agency", args=["north"])
    html = client.get(url, {"as_of": "2024-06-30", "status": "overdue"}).content.decode()
    assert "Otto Other" in html and "Tess Team" not in html
    html = client.get(url, {"as_of": "2024-06-30", "supervisor": world["boss"].pk}).content.decode()
    assert "Tess Team" in html and "Otto Other" not in html
    html = client.get(url, {"as_of": "2024-06-30", "role": "supervisor"}).content.decode()
    assert "Tess Team" not in html and "Otto Other" not in html
    assert 'value="as_of' not in html  # the filters never leak into the site search box
    assert "/export/csv-wide/?as_of=2024-06-30&amp;role=supervisor" in html  # exports keep the filters


def test_agency_dashboard_rejects_future_and_invalid_dates(client, world):
    login(client, world["north_admin"])
    url = reverse("compliance:agency", args=["north"])
    assert "cannot be in the future" in client.get(url, {"as_of": "2999-01-01"}).content.decode()
    assert "valid date" in client.get(url, {"as_of": "yesterday"}).content.decode()


def test_agency_dashboard_has_an_accessible_trend_chart(client, world):
    login(client, world["north_admin"])
    html = client.get(reverse("compliance:agency", args=["north"]), {"as_of": "2024-12-31"}).content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert '<title id="agency-trend-title">' in html and '<desc id="agency-trend-desc">' in html
    assert "Show the chart&#x27;s data as a table" in html or "Show the chart's data as a table" in html
    assert "Dec 31, 2024" in html and "<polyline" in html


@pytest.mark.parametrize("who", ["south_admin", "boss", "learner", "teammate"])
def test_agency_dashboard_is_404_outside_scope(client, world, who):
    login(client, world[who])
    assert client.get(reverse("compliance:agency", args=["north"])).status_code == 404


def test_limited_coordinator_sees_only_their_agencies(client, world):
    coordinator = make_coordinator()
    TrainingCoordinator.objects.filter(user=coordinator).update(all_agencies=False)
    coordinator.coordinator.refresh_from_db()
    coordinator.coordinator.agencies.set([world["south"]])
    login(client, coordinator)
    assert client.get(reverse("compliance:agency", args=["north"])).status_code == 404
    assert client.get(reverse("compliance:agency", args=["south"])).status_code == 200
    html = client.get(reverse("compliance:program")).content.decode()
    assert "South Clinic" in html and "North Clinic" not in html


def test_team_dashboard_shows_only_the_team(client, world):
    login(client, world["boss"])
    response = client.get(reverse("compliance:team"), {"as_of": "2024-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tess Team" in html
    assert "Otto Other" not in html and "Lena South" not in html


@pytest.mark.parametrize("who", ["north_admin", "teammate", "learner"])
def test_team_dashboard_is_403_without_a_team(client, world, who):
    login(client, world[who])
    assert client.get(reverse("compliance:team")).status_code == 403


def test_staff_detail_shows_record_serials_and_history(client, world):
    login(client, world["north_admin"])
    response = client.get(reverse("compliance:staff", args=[world["teammate"].pk]), {"as_of": "2024-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "CMTP-2024-000777" in html
    assert "Status history" in html and "Jun 30, 2024" in html and "Jul 31, 2023" in html
    assert "Not employed here on this date" in html  # before the 2024 hire
    assert "revoked later on 2024-10-01" in html


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("south_admin", "teammate", 404),
        ("boss", "teammate", 200),
        ("boss", "outsider", 404),
        ("learner", "teammate", 404),
        ("teammate", "outsider", 404),
    ],
)
def test_staff_detail_scope(client, world, who, target, status):
    login(client, world[who])
    assert client.get(reverse("compliance:staff", args=[world[target].pk])).status_code == status


def test_program_view_is_for_coordinators(client, world):
    for who in ("north_admin", "boss", "learner"):
        login(client, world[who])
        assert client.get(reverse("compliance:program")).status_code == 403


def test_program_view_lists_agencies_furthest_behind_first(client, world):
    login(client, make_coordinator())
    response = client.get(reverse("compliance:program"), {"as_of": "2024-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    # South: 0 of 1 compliant; North: 1 of 2.
    assert html.index("South Clinic") < html.index("North Clinic")
    assert "50%" in html and "(1/2)" in html
    assert 'role="img"' in html and '<desc id="program-trend-desc">' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "style=" not in html
