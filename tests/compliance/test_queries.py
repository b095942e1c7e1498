"""Status rules of compliance_matrix, for today and for dates in the past."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agencies.models import JobRole, StaffMember
from compliance.queries import Status, compliance_matrix, load_compliance, month_ends, program_overview
from curricula.models import AssignmentSource, AssignmentState
from tests.factories import AgencyFactory, StaffFactory, category, make_curriculum

from .helpers import change_role, make_assignment, make_certificate

pytestmark = pytest.mark.django_db

HIRED = date(2024, 1, 1)
DUE = date(2024, 4, 1)


@pytest.fixture
def setup():
    agency = AgencyFactory(categories=[category("MCM")])
    curriculum = make_curriculum(code="CT-101")
    staff = StaffFactory(agency=agency, hire_date=HIRED)
    return agency, curriculum, staff


def cell_on(staff, day, curricula=None):
    matrix = compliance_matrix(staff=StaffMember.objects.filter(pk=staff.pk), as_of=day, curricula=curricula)
    assert len(matrix.rows) == 1, "the person should be counted on this date"
    return matrix.rows[0].cells[0]


def test_compliance_matrix_due_before_due_date_and_overdue_after(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE)
    assert cell_on(staff, DUE).status == Status.DUE
    assert cell_on(staff, DUE).due_on == DUE
    assert cell_on(staff, DUE + timedelta(days=1)).status == Status.OVERDUE


def test_compliance_matrix_not_applicable_before_obligation_begins(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=date(2024, 3, 1), due_on=DUE)
    assert cell_on(staff, date(2024, 2, 28)).status == Status.NOT_APPLICABLE
    assert cell_on(staff, date(2024, 3, 1)).status == Status.DUE


def test_compliance_matrix_manual_assignment_is_not_a_mandate(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE, source=AssignmentSource.MANUAL)
    assert cell_on(staff, DUE, curricula=[curriculum]).status == Status.NOT_APPLICABLE


def test_compliance_matrix_compliant_with_valid_certificate(setup):
    _, curriculum, staff = setup
    make_assignment(
        staff, curriculum, required_from=HIRED, due_on=DUE, state=AssignmentState.COMPLETED,
        closed_on=date(2024, 3, 1),
    )  # fmt: skip
    cert = make_certificate(staff, curriculum, issued_on=date(2024, 3, 1), expires_on=date(2025, 3, 1))
    cell = cell_on(staff, date(2024, 6, 1))
    assert cell.status == Status.COMPLIANT
    assert cell.certificate.serial == cert.serial
    assert cell.completed_on == date(2024, 3, 1)
    # The day before the certificate was issued, it did not count yet.
    assert cell_on(staff, date(2024, 2, 29)).status == Status.DUE


def test_compliance_matrix_certificate_revoked_later_is_compliant_with_note(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE, state="completed", closed_on=date(2024, 3, 1))
    make_certificate(staff, curriculum, issued_on=date(2024, 3, 1), revoked_on=date(2024, 9, 15))
    before = cell_on(staff, date(2024, 6, 30))
    assert before.status == Status.COMPLIANT
    assert "revoked later on 2024-09-15" in before.note
    after = cell_on(staff, date(2024, 9, 15))
    assert after.status == Status.OVERDUE
    assert "revoked on 2024-09-15" in after.note


def test_compliance_matrix_expired_certificate(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE, state="completed", closed_on=date(2024, 3, 1))
    make_certificate(staff, curriculum, issued_on=date(2024, 3, 1), expires_on=date(2025, 3, 1))
    assert cell_on(staff, date(2025, 2, 28)).status == Status.COMPLIANT
    expired = cell_on(staff, date(2025, 3, 1))
    assert expired.status == Status.EXPIRED
    assert "expired on 2025-03-01" in expired.note


def test_compliance_matrix_newer_certificate_replaces_expired_one(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE, state="completed", closed_on=date(2024, 3, 1))
    make_assignment(
        staff, curriculum, required_from=date(2024, 12, 1), due_on=date(2025, 3, 1), state="completed",
        closed_on=date(2025, 4, 1), source=AssignmentSource.RECERTIFICATION,
    )  # fmt: skip
    make_certificate(
        staff, curriculum, issued_on=date(2024, 3, 1), expires_on=date(2025, 3, 1), superseded_on=date(2025, 4, 1)
    )
    new = make_certificate(staff, curriculum, issued_on=date(2025, 4, 1), expires_on=date(2026, 4, 1))
    assert cell_on(staff, date(2025, 3, 15)).status == Status.EXPIRED
    cell = cell_on(staff, date(2025, 4, 1))
    assert cell.status == Status.COMPLIANT
    assert cell.certificate.serial == new.serial


def test_compliance_matrix_waived_with_reason_from_the_day_it_was_waived(setup):
    _, curriculum, staff = setup
    make_assignment(
        staff, curriculum, required_from=HIRED, due_on=DUE, state=AssignmentState.WAIVED,
        closed_on=date(2024, 5, 1), waived_reason="Equivalent training at a previous employer",
    )  # fmt: skip
    assert cell_on(staff, date(2024, 4, 15)).status == Status.OVERDUE
    waived = cell_on(staff, date(2024, 5, 1))
    assert waived.status == Status.WAIVED
    assert "Equivalent training at a previous employer" in waived.note


def test_compliance_matrix_withdrawn_assignment_applies_until_withdrawn(setup):
    _, curriculum, staff = setup
    make_assignment(
        staff, curriculum, required_from=HIRED, due_on=DUE, state=AssignmentState.WITHDRAWN,
        closed_on=date(2024, 6, 1),
    )  # fmt: skip
    assert cell_on(staff, date(2024, 5, 31)).status == Status.OVERDUE
    assert cell_on(staff, date(2024, 6, 1)).status == Status.NOT_APPLICABLE


def test_compliance_matrix_counts_staff_only_while_employed(setup):
    agency, curriculum, staff = setup
    staff.left_on = date(2024, 8, 1)
    staff.active = False
    staff.save()
    later_hire = StaffFactory(agency=agency, hire_date=date(2024, 7, 1))
    everyone = StaffMember.objects.filter(agency=agency)
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE)
    on_june = compliance_matrix(staff=everyone, as_of=date(2024, 6, 1))
    assert [r.staff for r in on_june.rows] == [staff]
    assert on_june.rows[0].cells[0].status == Status.OVERDUE
    on_july = compliance_matrix(staff=everyone, as_of=date(2024, 7, 31))
    assert {r.staff for r in on_july.rows} == {staff, later_hire}
    on_august = compliance_matrix(staff=everyone, as_of=date(2024, 8, 1))
    assert [r.staff for r in on_august.rows] == [later_hire]


def test_compliance_matrix_uses_the_role_of_the_date(setup):
    _, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE)
    change_role(staff, JobRole.NMCM, on=HIRED)
    change_role(staff, JobRole.MCM, on=date(2024, 6, 1))
    qs = StaffMember.objects.filter(pk=staff.pk)
    assert compliance_matrix(staff=qs, as_of=date(2024, 5, 1)).rows[0].role == JobRole.NMCM
    assert compliance_matrix(staff=qs, as_of=date(2024, 6, 1)).rows[0].role == JobRole.MCM


def test_compliance_matrix_certificate_from_another_agency_counts(setup):
    """Certificates belong to the person, not the job: a move keeps the training."""
    _, curriculum, staff = setup
    moved = StaffFactory(user=staff.user, agency=AgencyFactory(), hire_date=date(2024, 5, 1))
    make_certificate(staff, curriculum, issued_on=date(2024, 3, 1))
    make_assignment(moved, curriculum, required_from=date(2024, 5, 1), due_on=date(2024, 8, 1))
    assert cell_on(moved, date(2024, 9, 1)).status == Status.COMPLIANT


def test_matrix_filters_and_totals(setup):
    agency, curriculum, staff = setup
    other = make_curriculum(code="CT-102")
    boss = StaffFactory(agency=agency, hire_date=HIRED, role=JobRole.SUPERVISOR)
    peer = StaffFactory(agency=agency, hire_date=HIRED, role=JobRole.PEER, supervisor=boss)
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE)
    make_assignment(peer, curriculum, required_from=HIRED, due_on=date(2030, 1, 1))
    make_assignment(peer, other, required_from=HIRED, due_on=DUE)
    make_certificate(peer, other, issued_on=date(2024, 2, 1))
    matrix = compliance_matrix(staff=StaffMember.objects.filter(agency=agency), as_of=date(2024, 6, 1))
    assert [c.code for c in matrix.curricula] == ["CT-101", "CT-102"]
    assert len(matrix.rows) == 3

    overall = matrix.overall()
    assert overall.counts[Status.OVERDUE] == 1
    assert overall.counts[Status.DUE] == 1
    assert overall.counts[Status.COMPLIANT] == 1
    assert overall.counts[Status.NOT_APPLICABLE] == 3
    assert overall.applicable == 3
    assert overall.percent == 33

    by_curriculum = {c.code: t for c, t in matrix.totals_by_curriculum()}
    assert by_curriculum["CT-101"].counts[Status.OVERDUE] == 1
    assert by_curriculum["CT-102"].rate == 1.0
    by_role = {label: (people, totals) for label, people, totals in matrix.totals_by_role()}
    assert by_role["Peer navigator"][0] == 1
    assert by_role["Peer navigator"][1].compliant == 1

    assert [r.staff for r in matrix.filtered(role=JobRole.PEER).rows] == [peer]
    assert [r.staff for r in matrix.filtered(supervisor_id=boss.pk).rows] == [peer]
    assert [r.staff for r in matrix.filtered(status=Status.OVERDUE).rows] == [staff]
    only_102 = matrix.filtered(curriculum_id=other.pk, status=Status.COMPLIANT)
    assert [c.code for c in only_102.curricula] == ["CT-102"]
    assert [r.staff for r in only_102.rows] == [peer]
    assert matrix.supervisors() == [boss]


def test_trend_agrees_with_matrix_on_every_date(setup):
    agency, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE, state="completed", closed_on=date(2024, 3, 1))
    make_certificate(staff, curriculum, issued_on=date(2024, 3, 1), expires_on=date(2024, 9, 1))
    second = StaffFactory(agency=agency, hire_date=date(2024, 2, 1))
    make_assignment(second, curriculum, required_from=date(2024, 2, 1), due_on=date(2024, 5, 1))
    days = month_ends(date(2024, 12, 10))
    records = load_compliance(staff=StaffMember.objects.filter(agency=agency), start=days[0], end=days[-1])
    for point in records.trend(days):
        totals = records.matrix(point.day).overall()
        assert (point.compliant, point.applicable) == (totals.compliant, totals.applicable)
    rates = [p.percent for p in records.trend(days)]
    # Certified in March; the certificate expired on September 1; the second person never completed.
    assert rates == [0, 0, 50, 50, 50, 50, 50, 50, 0, 0, 0, 0]


def test_month_ends_are_the_last_twelve_month_ends():
    days = month_ends(date(2025, 3, 14))
    assert days[0] == date(2024, 4, 30)
    assert days[-2] == date(2025, 2, 28)
    assert days[-1] == date(2025, 3, 14)
    assert len(days) == 12


def test_load_compliance_runs_a_fixed_number_of_queries(setup, django_assert_num_queries):
    agency, curriculum, staff = setup
    make_assignment(staff, curriculum, required_from=HIRED, due_on=DUE)
    make_certificate(staff, curriculum, issued_on=date(2024, 3, 1))
    for _ in range(5):
        member = StaffFactory(agency=agency, hire_date=HIRED)
        make_assignment(member, curriculum, required_from=HIRED, due_on=DUE)
        make_certificate(member, curriculum, issued_on=date(2024, 2, 1))
    with django_assert_num_queries(5):
        records = load_compliance(
            staff=StaffMember.objects.filter(agency=agency), start=date(2024, 1, 1), end=date(2024, 12, 31)
        )
    with django_assert_num_queries(0):
        for day in month_ends(date(2024, 12, 31)):
            records.matrix(day)


def test_program_overview_furthest_behind_first_with_categories():
    mcm, nmcm = category("MCM"), category("NMCM")
    ahead = AgencyFactory(name="Ahead", categories=[mcm])
    behind = AgencyFactory(name="Behind", categories=[mcm, nmcm])
    c101 = make_curriculum(code="CT-101")
    c102 = make_curriculum(code="CT-102")
    from tests.factories import make_requirement

    r101 = make_requirement(c101, categories=[mcm], roles=["mcm"])
    r102 = make_requirement(c102, categories=[nmcm], roles=["nmcm"])
    a = StaffFactory(agency=ahead, hire_date=HIRED)
    make_assignment(a, c101, required_from=HIRED, due_on=DUE, requirement=r101)
    make_certificate(a, c101, issued_on=date(2024, 2, 1))
    b1 = StaffFactory(agency=behind, hire_date=HIRED)
    make_assignment(b1, c101, required_from=HIRED, due_on=DUE, requirement=r101)
    b2 = StaffFactory(agency=behind, hire_date=HIRED, role="nmcm")
    make_assignment(b2, c102, required_from=HIRED, due_on=DUE, requirement=r102)
    make_certificate(b2, c102, issued_on=date(2024, 2, 1))

    from agencies.models import Agency

    overview = program_overview(agencies=Agency.objects.all(), as_of=date(2024, 6, 1))
    assert [s.agency.name for s in overview.agencies] == ["Behind", "Ahead"]
    assert [c.code for c in overview.categories] == ["MCM", "NMCM"]
    behind_summary, ahead_summary = overview.agencies
    assert behind_summary.overall.percent == 50
    assert [t.percent if t else None for t in behind_summary.by_category] == [0, 100]
    assert ahead_summary.by_category[1] is None  # not funded for NMCM
    assert [t.percent for t in overview.by_curriculum] == [50, 100]
    assert overview.trend[-1].day == date(2024, 6, 1)
    assert overview.trend[-1].percent == overview.overall.percent
    # The program view's counts are the agency dashboards' counts.
    for summary in overview.agencies:
        matrix = compliance_matrix(
            staff=StaffMember.objects.filter(agency=summary.agency),
            as_of=date(2024, 6, 1),
            curricula=overview.curricula,
        )
        assert summary.overall.counts == matrix.overall().counts
        assert [t.counts for t in summary.by_curriculum] == [t.counts for _, t in matrix.totals_by_curriculum()]


def test_trend_and_single_date_loads_agree_on_random_histories():
    """Property check: for messy random histories, the 12-month trend, the matrix from the same load and a
    fresh single-date load all agree on every day, so the trend's shortcuts never change an answer."""
    import random

    rng = random.Random(7)
    agency = AgencyFactory()
    curricula = [make_curriculum(code=f"RND-{i}", modules=1, lessons_per_module=1) for i in range(2)]
    start = date(2024, 1, 1)

    def day(lo: int, hi: int) -> date:
        return start + timedelta(days=rng.randint(lo, hi))

    for _ in range(12):
        hired = day(-200, 200)
        left = hired + timedelta(days=rng.randint(30, 500)) if rng.random() < 0.3 else None
        member = StaffFactory(agency=agency, hire_date=hired, left_on=left, active=left is None)
        for curriculum in curricula:
            cycles = rng.randint(0, 3)
            for cycle in range(cycles):
                required = day(-200, 300)
                closed = ["completed", "waived", "withdrawn"]
                state = rng.choice(closed + ["open"] if cycle == cycles - 1 else closed)  # one open at most
                make_assignment(
                    member, curriculum, required_from=required, due_on=required + timedelta(days=rng.randint(0, 120)),
                    state=state, closed_on=None if state == "open" else required + timedelta(days=rng.randint(0, 200)),
                    waived_reason="Because" if state == "waived" else "",
                    source=AssignmentSource.RECERTIFICATION if cycle else AssignmentSource.REQUIREMENT,
                )  # fmt: skip
            for _ in range(rng.randint(0, 3)):
                issued = day(-300, 350)
                make_certificate(
                    member, curriculum, issued_on=issued,
                    expires_on=issued + timedelta(days=rng.randint(30, 400)) if rng.random() < 0.8 else None,
                    revoked_on=issued + timedelta(days=rng.randint(0, 300)) if rng.random() < 0.2 else None,
                    superseded_on=issued + timedelta(days=rng.randint(0, 300)) if rng.random() < 0.3 else None,
                )  # fmt: skip
    everyone = StaffMember.objects.filter(agency=agency)
    days = [start + timedelta(days=n) for n in range(0, 366, 9)]
    records = load_compliance(staff=everyone, start=days[0], end=days[-1])
    trend = records.trend(days)
    assert any(p.applicable for p in trend)
    for point in trend:
        matrix = records.matrix(point.day)
        totals = matrix.overall()
        assert (point.compliant, point.applicable) == (totals.compliant, totals.applicable), point.day
        fresh = compliance_matrix(staff=everyone, as_of=point.day, curricula=records.curricula)
        assert [(r.staff.pk, [c.status for c in r.cells]) for r in fresh.rows] == [
            (r.staff.pk, [c.status for c in r.cells]) for r in matrix.rows
        ], point.day


def test_counting_load_gives_the_same_statuses_as_the_detailed_one(world):
    """The program view loads people without names (details=False); no status or rate may change."""
    from datetime import date

    from agencies.models import StaffMember
    from compliance.queries import load_compliance, month_ends

    as_of = date(2024, 12, 31)
    days = month_ends(as_of)
    staff = StaffMember.objects.all()
    full = load_compliance(staff=staff, start=days[0], end=as_of)
    light = load_compliance(staff=staff, start=days[0], end=as_of, details=False)
    for day in days:
        assert [(m.pk, c, s) for m, c, s, _ in light.statuses(day)] == [
            (m.pk, c, s) for m, c, s, _ in full.statuses(day)
        ]
    assert light.trend(days) == full.trend(days)
