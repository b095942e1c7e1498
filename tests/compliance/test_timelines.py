"""Cached per-person timelines (issue 14, the 20,000-staff dashboard): the dashboard's counts, matrix and trend
are exactly what evaluating every record gives, on any date, and any write to a person's records, even one
that bypasses the application (a bulk update, a delete), is seen by the next request."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import RoleChange, StaffMember
from certificates.models import Certificate
from compliance.queries import load_compliance, month_ends
from compliance.status import (
    AssignmentFact,
    CertificateFact,
    breakpoints,
    breakpoints_between,
    evaluate,
)
from compliance.timelines import dashboard_overview, status_on, timeline_runs
from curricula.models import Assignment, AssignmentSource, AssignmentState
from tests.factories import AgencyFactory, UserFactory, category, make_curriculum, make_requirement

from .helpers import at_noon, change_role, make_assignment, make_certificate, seed_agency

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row versions (xmin) are PostgreSQL's; SQLite evaluates everything"
)


def _random_facts(rng: random.Random, origin: date) -> tuple[list[AssignmentFact], list[CertificateFact]]:
    def day(span: int = 900) -> date:
        return origin + timedelta(days=rng.randrange(span))

    assignments = []
    for n in range(rng.randrange(0, 4)):
        required = day()
        state = rng.choice(["open", "completed", "waived", "withdrawn"])
        closed = required + timedelta(days=rng.randrange(1, 200)) if state != "open" else None
        due = required + timedelta(days=rng.randrange(0, 120))
        assignments.append(AssignmentFact(n + 1, 1, 1, None, required, due, state, closed, ""))
    certificates = []
    for n in range(rng.randrange(0, 4)):
        issued = day()
        expires = issued + timedelta(days=rng.choice([180, 365, 730])) if rng.random() < 0.8 else None
        revoked = issued + timedelta(days=rng.randrange(1, 300)) if rng.random() < 0.2 else None
        superseded = issued + timedelta(days=rng.randrange(1, 400)) if rng.random() < 0.3 else None
        certificates.append(CertificateFact(n + 1, 1, 1, "S", issued, expires, issued, revoked, superseded))
    assignments.sort(key=lambda a: (a.required_from, a.id))
    certificates.sort(key=lambda c: (c.issued_on, c.id))
    return assignments, certificates


def test_runs_and_breakpoints_agree_with_evaluate_on_every_day():
    """The two shortcuts the dashboard takes (a person's status as runs between breakpoints, and only the
    breakpoints inside the trend's window) give `evaluate`'s answer on every single day."""
    rng = random.Random(14)
    origin = date(2024, 1, 1)
    for _ in range(400):
        assignments, certificates = _random_facts(rng, origin)
        since = origin + timedelta(days=rng.randrange(0, 600))
        until = since + timedelta(days=rng.randrange(0, 1100))
        runs = timeline_runs(assignments, certificates, since, until)
        for offset in range(0, (until - since).days + 1, 3):
            day = since + timedelta(days=offset)
            assert status_on(runs, day.toordinal()) == evaluate(assignments, certificates, day).status
        after, until = since, since + timedelta(days=rng.randrange(0, 400))
        expected = {p for p in breakpoints(assignments, certificates) if after < p <= until}
        assert breakpoints_between(assignments, certificates, after, until) == expected


@pytest.fixture
def agency(db):
    cache.clear()
    mcm = category("MCM")
    curricula = [make_curriculum(code=f"TL-{n:02d}", modules=1, lessons_per_module=1) for n in range(3)]
    for curriculum in curricula:
        make_requirement(curriculum, categories=[mcm], roles=["mcm", "nmcm", "ccms", "peer"])
    today = timezone.localdate()
    admin = UserFactory()
    place = AgencyFactory(categories=[mcm])
    members = seed_agency(place, curricula, staff=40, today=today, admin_user=admin)
    # Histories the seed lacks: a recertification, a revoked and a superseded certificate, a withdrawal, a
    # role change, someone who left and someone not yet started.
    first, second, third, fourth = members[:4]
    make_assignment(
        first, curricula[0], required_from=today - timedelta(days=40), due_on=today + timedelta(days=50),
        source=AssignmentSource.RECERTIFICATION,
    )  # fmt: skip
    make_certificate(second, curricula[1], issued_on=today - timedelta(days=300), revoked_on=today - timedelta(days=90))
    Assignment.objects.filter(staff=third, curriculum=curricula[2]).update(
        state=AssignmentState.WITHDRAWN, closed_on=today - timedelta(days=70)
    )
    change_role(fourth, "nmcm", on=today - timedelta(days=120))
    StaffMember.objects.filter(pk=members[5].pk).update(left_on=today - timedelta(days=60))
    StaffMember.objects.filter(pk=members[6].pk).update(hire_date=today + timedelta(days=5))
    cache.clear()
    return {"agency": place, "members": members, "curricula": curricula, "today": today, "admin": admin}


def _summary(matrix, trend):
    rows = [(row.staff.pk, row.role, [cell.status for cell in row.cells]) for row in matrix.rows]
    return rows, [(p.day, p.compliant, p.applicable) for p in trend]


def _both(agency, as_of: date):
    staff = StaffMember.objects.filter(agency=agency)
    days = month_ends(as_of)
    cached = dashboard_overview(staff=staff, days=days)
    fresh = load_compliance(staff=staff, start=days[0], end=as_of, details=False).overview(days)
    return _summary(cached[0], cached[1]), _summary(*fresh)


@postgres_only
def test_cached_overview_is_the_evaluated_overview_on_any_date(agency):
    today = agency["today"]
    # Later dates reuse the first day's timelines up to their horizon, then recompute them.
    days = (today, today - timedelta(days=45), today - timedelta(days=200), today, today + timedelta(days=30))
    for as_of in (*days, today + timedelta(days=100), today):
        cached, fresh = _both(agency["agency"], as_of)
        assert cached == fresh
        assert fresh[0], "the comparison must cover people"


@postgres_only
def test_writes_that_bypass_the_application_are_seen_by_the_next_request(agency):
    today, members = agency["today"], agency["members"]
    before, fresh = _both(agency["agency"], today)
    assert before == fresh
    # A certificate revoked, one deleted, a due date moved, a role changed, all by bulk SQL (no signals).
    valid = Certificate.objects.filter(user_id=members[10].user_id, revoked_at__isnull=True).first()
    assert valid is not None
    Certificate.objects.filter(pk=valid.pk).update(revoked_at=at_noon(today - timedelta(days=1)))
    Certificate.objects.filter(user_id=members[11].user_id).delete()
    Assignment.objects.filter(staff=members[12], state=AssignmentState.OPEN).update(due_on=today - timedelta(days=3))
    RoleChange.objects.create(staff=members[13], role="ccms")
    after, fresh = _both(agency["agency"], today)
    assert [r for r in after[0] if r not in fresh[0]] == [r for r in fresh[0] if r not in after[0]]
    assert after == fresh
    assert after != before, "the writes changed what the dashboard must show"


@postgres_only
def test_a_warm_dashboard_reads_no_records(agency, client):
    """Once computed, a page of a large agency reads fingerprints and the page's people, not everyone's
    assignments and certificates; paging is as cheap."""
    client.force_login(agency["admin"])
    url = reverse("compliance:agency", args=[agency["agency"].slug])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    record_reads = [
        q["sql"] for q in queries.captured_queries
        if q["sql"].lstrip().startswith("SELECT") and '"curricula_assignment"."due_on"' in q["sql"]
    ]  # fmt: skip
    # Only the page's people: their ids are listed in the one query that reads assignments.
    assert len(record_reads) == 1
    assert "IN (" in record_reads[0]


@postgres_only
def test_cache_entries_follow_a_person_into_the_dashboard_after_a_move(agency):
    """Entries are kept per agency; a person moved to another agency is computed there afresh and counted
    once, where they now work."""
    other = AgencyFactory(categories=list(agency["agency"].categories.all()))
    mover = agency["members"][20]
    cached, fresh = _both(agency["agency"], agency["today"])
    assert cached == fresh
    StaffMember.objects.filter(pk=mover.pk).update(agency=other)
    cached, fresh = _both(agency["agency"], agency["today"])
    assert cached == fresh
    assert mover.pk not in [pk for pk, _, _ in cached[0]]
    cached, fresh = _both(other, agency["today"])
    assert cached == fresh
    assert [pk for pk, _, _ in cached[0]] == [mover.pk]


@postgres_only
def test_the_nightly_warm_up_leaves_large_agencies_ready(agency, client, settings):
    """After the nightly job, the first view of the day reads only the page's people's records."""
    from compliance.tasks import warm_dashboards

    settings.COMPLIANCE_WARM_MIN_STAFF = 30
    small = AgencyFactory(categories=list(agency["agency"].categories.all()))
    seed_agency(small, agency["curricula"], staff=3, today=agency["today"])
    cache.clear()
    assert warm_dashboards.delay().get() == 1  # the 41-person agency, not the 3-person one
    client.force_login(agency["admin"])
    url = reverse("compliance:agency", args=[agency["agency"].slug])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    record_reads = [q["sql"] for q in queries.captured_queries if '"curricula_assignment"."due_on"' in q["sql"]]
    assert len(record_reads) == 1 and "IN (" in record_reads[0]
