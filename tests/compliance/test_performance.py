"""Query counts are pinned: the dashboards, exports and the program view cost the same number of queries
for 5 people as for 500, and for 2 agencies as for 6."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compliance.models import ExportRecord
from tests.factories import AgencyFactory, UserFactory, category, make_coordinator, make_curriculum, make_requirement
from tests.querycount import assert_queries_constant

from .helpers import seed_agency

pytestmark = pytest.mark.django_db
# 17 on PostgreSQL: a warm dashboard reads the people's fingerprints, then the page's people's records
# (compliance/timelines.py); 16 on SQLite, which evaluates everyone from one load.
DASHBOARD_MAX_QUERIES = 17
PROGRAM_MAX_QUERIES = 18


@pytest.fixture
def mandates():
    mcm = category("MCM")
    curricula = [make_curriculum(code=f"PF-{n:02d}", modules=1, lessons_per_module=1) for n in range(10)]
    for curriculum in curricula:
        make_requirement(curriculum, categories=[mcm], roles=["mcm", "nmcm", "ccms", "peer"])
    return mcm, curricula


def count_queries(client, url, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_agency_dashboard_queries_do_not_grow_with_500_staff(client, mandates):
    mcm, curricula = mandates
    today = timezone.localdate()
    admin = UserFactory()
    client.force_login(admin)
    urls = {}

    def agency_of(staff: int) -> str:
        agency = AgencyFactory(categories=[mcm])
        seed_agency(agency, curricula, staff=staff, today=today, admin_user=admin)
        urls[staff] = reverse("compliance:agency", args=[agency.slug])
        # A first view computes the people's timelines (on PostgreSQL: compliance/timelines.py); the bound is
        # for the views after it. test_large_agency.py pins the first view's count too.
        client.get(urls[staff])
        return urls[staff]

    response = assert_queries_constant(client, build_small=lambda: agency_of(5), build_large=lambda: agency_of(500))
    html = response.content.decode()
    assert "501 people, page 1 of 6" in html
    assert "page=2" in html
    small_count, _ = count_queries(client, urls[5])
    large_count, _ = count_queries(client, urls[500], status="overdue")
    assert large_count == small_count <= DASHBOARD_MAX_QUERIES


def test_exports_and_team_view_queries_do_not_grow_with_500_staff(client, mandates):
    mcm, curricula = mandates
    today = timezone.localdate()
    admin = UserFactory()
    small = AgencyFactory(categories=[mcm])
    large = AgencyFactory(categories=[mcm])
    seed_agency(small, curricula, staff=5, today=today, admin_user=admin)
    members = seed_agency(large, curricula, staff=500, today=today, admin_user=admin)
    client.force_login(admin)
    client.get(reverse("compliance:agency", args=[small.slug]))  # warm the menu cache
    for kind in ("csv-wide", "csv-long"):
        small_count, _ = count_queries(client, reverse("compliance:export", args=[small.slug, kind]))
        large_count, response = count_queries(client, reverse("compliance:export", args=[large.slug, kind]))
        assert large_count == small_count <= DASHBOARD_MAX_QUERIES
    assert ExportRecord.objects.filter(agency=large, completed_at__isnull=False).count() == 2

    from agencies.models import StaffMember

    boss = members[0]
    StaffMember.objects.filter(pk__in=[m.pk for m in members[1:]]).update(supervisor=boss)
    client.force_login(boss.user)
    client.get(reverse("compliance:team"))  # computes the team's timelines (see agency_of above)
    team_count, response = count_queries(client, reverse("compliance:team"))
    assert team_count <= DASHBOARD_MAX_QUERIES
    assert "499 people" in response.content.decode()


def test_program_view_queries_do_not_grow_with_agencies(client, mandates, django_assert_max_num_queries):
    mcm, curricula = mandates
    today = timezone.localdate()
    client.force_login(make_coordinator())
    client.get(reverse("compliance:program"))  # warm the menu cache
    for _ in range(2):
        seed_agency(AgencyFactory(categories=[mcm, category("NMCM")]), curricula, staff=20, today=today)
    two, _ = count_queries(client, reverse("compliance:program"))
    for _ in range(4):
        seed_agency(AgencyFactory(categories=[mcm]), curricula, staff=100, today=today)
    # Both measured requests compute the overview: seeding changed what it reads, so on PostgreSQL the
    # program cache (compliance.program_cache) misses both times; a hit is measured after.
    with django_assert_max_num_queries(PROGRAM_MAX_QUERIES):
        six, response = count_queries(client, reverse("compliance:program"))
    assert six == two
    again, _ = count_queries(client, reverse("compliance:program"))
    assert again <= six
