"""A very large agency (issue 14: 20,000 staff took a gunicorn timeout): the dashboard shows one page of
people, described in full, while its totals and trend still cover everyone the filters keep; the work per
request that depends on the agency's size is counts only (see bench/ for the 20,000-staff timing)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import JobRole, StaffMember
from compliance import queries
from compliance.queries import compliance_matrix, load_compliance, month_ends
from compliance.timelines import CACHE_PREFIX
from compliance.views import PAGE_SIZE
from curricula.models import AssignmentSource, AssignmentState
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_curriculum, make_requirement

from .helpers import change_role, make_assignment, make_certificate, seed_agency

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]
LARGE = 230  # + the administrator: 231 people, three pages of 100


@pytest.fixture
def agencies():
    mcm = category("MCM")
    curricula = [make_curriculum(code=f"LA-{n:02d}", modules=1, lessons_per_module=1) for n in range(4)]
    for curriculum in curricula:
        make_requirement(curriculum, categories=[mcm], roles=["mcm", "nmcm", "ccms", "peer"])
    today = timezone.localdate()
    admin = UserFactory()
    small = AgencyFactory(categories=[mcm])
    large = AgencyFactory(categories=[mcm])
    seed_agency(small, curricula, staff=5, today=today, admin_user=admin)
    members = seed_agency(large, curricula, staff=LARGE, today=today, admin_user=admin)
    return {"admin": admin, "small": small, "large": large, "members": members, "today": today}


def person_links(html: str) -> list[int]:
    """The people listed in the matrix, in order (each name links to their record)."""
    return [int(pk) for pk in re.findall(r'href="/compliance/staff/(\d+)/\?as_of=', html)]


def pager(html: str) -> str:
    match = re.search(r'<nav class="pager[^"]*" aria-label="Pages of people">.*?</nav>', html, re.S)
    assert match, "no pagination"
    return match.group(0)


def link(nav: str, rel: str) -> str:
    match = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', nav)
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


def headline(totals) -> str:
    """The headline's numbers as compliance/_headline.html prints them."""
    return "</dd></div><div>".join(f"<dt>{label}</dt><dd>{value}" for label, value in totals.headline())


def test_work_and_queries_per_page_do_not_grow_with_the_agency(client, agencies, monkeypatch):
    """Before: every cell of every person was described (notes, evidence) and every person loaded with
    their user, agency and supervisor rows, so a 20,000-person agency timed out."""
    described = []
    real_describe = queries.describe

    def counting_describe(*args, **kwargs):
        described.append(args)
        return real_describe(*args, **kwargs)

    monkeypatch.setattr(queries, "describe", counting_describe)
    client.force_login(agencies["admin"])
    client.get(reverse("compliance:agency", args=[agencies["small"].slug]))  # warm the menu cache
    sizes = {}
    # Twice: the first view computes the timelines (on PostgreSQL, see test_timelines.py), the second reads
    # them; each costs the same number of queries for 6 people or 231.
    for visit in ("first", "second"):
        if visit == "first":
            cache.delete_many([CACHE_PREFIX + str(agencies[name].pk) for name in ("small", "large")])
        for name in ("small", "large"):
            described.clear()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse("compliance:agency", args=[agencies[name].slug]))
            assert response.status_code == 200
            html = response.content.decode()
            sizes[name] = {
                "queries": len(ctx.captured_queries), "described": len(described), "rows": person_links(html)
            }  # fmt: skip
        assert sizes["large"]["queries"] == sizes["small"]["queries"], visit
    assert len(sizes["small"]["rows"]) == 6 and len(sizes["large"]["rows"]) == PAGE_SIZE
    # Cells are described for the people on the page only: at most one per obligation shown.
    assert 0 < sizes["large"]["described"] <= PAGE_SIZE * 4
    assert sizes["large"]["described"] < LARGE * 4


def test_headline_totals_and_trend_cover_the_whole_agency_on_every_page(client, agencies):
    large = agencies["large"]
    everyone = compliance_matrix(staff=StaffMember.objects.filter(agency=large), as_of=agencies["today"])
    expected = everyone.overall()
    records = load_compliance(
        staff=StaffMember.objects.filter(agency=large), start=month_ends(agencies["today"])[0], end=agencies["today"]
    )
    expected_trend = records.trend(month_ends(agencies["today"]))
    client.force_login(agencies["admin"])
    url = reverse("compliance:agency", args=[large.slug])
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        html = response.content.decode()
        assert f"{LARGE + 1} people, page {number} of 3" in html
        assert headline(expected) in html
        assert response.context["overall"].counts == expected.counts
        assert [t.counts for _, t in response.context["by_curriculum"]] == [
            t.counts for _, t in everyone.totals_by_curriculum()
        ]
        assert response.context["by_role"] == everyone.totals_by_role()
        assert response.context["trend"] == expected_trend
    assert len(person_links(html)) == LARGE + 1 - 2 * PAGE_SIZE  # the last page holds the rest


def test_pages_follow_the_matrix_order_and_keep_the_filters(client, agencies):
    large = agencies["large"]
    everyone = compliance_matrix(staff=StaffMember.objects.filter(agency=large), as_of=agencies["today"])
    expired = everyone.filtered(status="expired")
    assert PAGE_SIZE < len(expired.rows) < len(everyone.rows)  # filtered before paging, still two pages
    client.force_login(agencies["admin"])
    url = reverse("compliance:agency", args=[large.slug])

    html = client.get(url, {"status": "expired"}).content.decode()
    assert f"{len(expired.rows)} people, page 1 of 2" in html
    assert headline(everyone.overall()) in html  # the headline ignores the status filter (issue 21), not paged
    nav = pager(html)
    assert 'aria-current="page"' in nav and "rel=\"prev\"" not in nav
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>1<', nav)
    following = link(nav, "next")
    assert "status=expired" in following and "page=2" in following
    listed = person_links(html)

    html = client.get(f"{url}?{following}").content.decode()
    nav = pager(html)
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>2<', nav)
    assert 'rel="next"' not in nav
    back = link(nav, "prev")
    assert "status=expired" in back and "page=1" in back
    listed += person_links(html)
    assert listed == [row.staff.pk for row in expired.rows]  # every person once, sorted as before

    # The cells on a page are the full description, the same as the unpaged matrix (and the exports).
    page_two = client.get(f"{url}?{following}").context["page"].object_list
    by_person = {row.staff.pk: row for row in expired.rows}
    assert [row.cells for row in page_two] == [by_person[row.staff.pk].cells for row in page_two]
    assert all(row.staff.user.last_name for row in page_two)


def test_out_of_range_and_invalid_pages_show_a_page(client, agencies):
    client.force_login(agencies["admin"])
    url = reverse("compliance:agency", args=[agencies["large"].slug])
    assert "page 3 of 3" in client.get(url, {"page": "999"}).content.decode()
    assert "page 1 of 3" in client.get(url, {"page": "x"}).content.decode()
    html = client.get(url, {"status": "expired", "curriculum": "0"}).content.decode()  # an unknown curriculum
    assert "Select a valid choice" in html


def test_team_view_pages_a_large_team_with_each_person_s_agency(client, agencies):
    members = agencies["members"]
    boss = members[0]
    StaffMember.objects.filter(pk__in=[m.pk for m in members[1:151]]).update(supervisor=boss)
    client.force_login(boss.user)
    response = client.get(reverse("compliance:team"))
    html = response.content.decode()
    assert "150 people, page 1 of 2" in html
    assert len(person_links(html)) == PAGE_SIZE
    assert html.count(f'<span class="cell-note">{agencies["large"].name}</span>') == PAGE_SIZE
    nav = pager(html)
    assert "page=2" in link(nav, "next")


@pytest.fixture
def histories():
    """People whose records change during the year: hires and leavers mid-year, role changes, renewals,
    withdrawals, waivers, revocations and supersessions, so every breakpoint kind falls between month ends."""
    mcm = category("MCM")
    agency = AgencyFactory(categories=[mcm])
    first, second = (make_curriculum(code=f"HI-{n}", modules=1, lessons_per_module=1) for n in range(2))
    requirement = make_requirement(first, categories=[mcm], roles=[JobRole.MCM])
    as_of = date(2025, 6, 30)
    for i in range(40):
        hired = date(2023, 1, 2) + timedelta(days=23 * i)
        left = hired + timedelta(days=500) if i % 7 == 0 and hired + timedelta(days=500) < as_of else None
        member = StaffFactory(agency=agency, hire_date=hired, left_on=left, active=left is None)
        if i % 6 == 1:
            change_role(member, JobRole.SUPERVISOR, on=hired + timedelta(days=200))
        for n, curriculum in enumerate((first, second)):
            start = hired + timedelta(days=10 * n)
            due = start + timedelta(days=90 + 11 * (i % 5))
            kind = (i + n) % 6
            state, closed = AssignmentState.OPEN, None
            if kind == 1:
                state, closed = AssignmentState.WAIVED, due - timedelta(days=15)
            elif kind == 2:
                state, closed = AssignmentState.WITHDRAWN, due + timedelta(days=40)
            elif kind in (3, 4):
                state, closed = AssignmentState.COMPLETED, due - timedelta(days=5)
            make_assignment(
                member, curriculum, required_from=start, due_on=due, state=state, closed_on=closed,
                requirement=requirement if n == 0 else None,
            )  # fmt: skip
            if kind in (3, 4):
                issued = due - timedelta(days=5)
                make_certificate(
                    member, curriculum, issued_on=issued, expires_on=issued + timedelta(days=300),
                    revoked_on=issued + timedelta(days=120) if kind == 4 and i % 2 else None,
                    superseded_on=issued + timedelta(days=280) if kind == 3 else None,
                )  # fmt: skip
                if kind == 3:
                    renew_from = issued + timedelta(days=210)
                    make_assignment(
                        member, curriculum, required_from=renew_from, due_on=issued + timedelta(days=300),
                        source=AssignmentSource.RECERTIFICATION,
                    )  # fmt: skip
                    make_certificate(member, curriculum, issued_on=issued + timedelta(days=280))
    return StaffMember.objects.filter(agency=agency), as_of


def test_overview_agrees_with_evaluating_every_day_in_full(histories):
    """The dashboard's one-pass statuses and trend equal a full matrix evaluated on each month end."""
    staff, as_of = histories
    days = month_ends(as_of)
    records = load_compliance(staff=staff, start=days[0], end=as_of, details=False)
    matrix, trend = records.overview(days)
    full = load_compliance(staff=staff, start=days[0], end=as_of)
    expected = full.matrix(as_of)
    assert [r.staff.pk for r in matrix.rows] == [r.staff.pk for r in expected.rows]
    assert [r.role for r in matrix.rows] == [r.role for r in expected.rows]
    assert [[c.status for c in r.cells] for r in matrix.rows] == [[c.status for c in r.cells] for r in expected.rows]
    statuses = {c.status for r in expected.rows for c in r.cells}
    assert {"compliant", "overdue", "waived", "not_applicable"} <= statuses
    for point, day in zip(trend, days, strict=True):
        totals = full.matrix(day).overall()
        assert (point.day, point.compliant, point.applicable) == (day, totals.compliant, totals.applicable)
    assert len({(p.compliant, p.applicable) for p in trend}) > 3  # the year really changes
    # The page's rows, described, are exactly the full matrix's rows.
    described = records.describe_rows(matrix, matrix.rows[5:15])
    assert [(r.staff.pk, r.role, r.cells) for r in described] == [
        (r.staff.pk, r.role, r.cells) for r in expected.rows[5:15]
    ]
