from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import JobRole
from curricula.completion import record_lesson_completion
from curricula.models import Assignment, AssignmentSource, AssignmentState
from curricula.services import assign_curriculum, sync_assignments, waive_assignment
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    CurriculumCompletionFactory,
    StaffFactory,
    UserFactory,
    at_noon,
    category,
    make_curriculum,
    make_requirement,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    mcm, nmcm = category("MCM"), category("NMCM")
    funded_mcm = AgencyFactory(categories=[mcm])
    funded_nmcm = AgencyFactory(categories=[nmcm])
    curriculum = make_curriculum(recertification_months=12)
    requirement = make_requirement(
        curriculum, categories=[mcm], roles=[JobRole.MCM], due_days=90, starts_on=date(2020, 1, 1)
    )
    return {"mcm_agency": funded_mcm, "nmcm_agency": funded_nmcm, "curriculum": curriculum, "requirement": requirement}


def test_mandate_targets_exactly_the_right_staff(setup):
    targeted = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM, hire_date=date(2026, 1, 10))
    wrong_role = StaffFactory(agency=setup["mcm_agency"], role=JobRole.NMCM)
    wrong_agency = StaffFactory(agency=setup["nmcm_agency"], role=JobRole.MCM)
    inactive = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM, active=False, left_on=date(2026, 1, 1))

    result = sync_assignments()

    assert {a.staff_id for a in result.created} == {targeted.pk}
    assignment = Assignment.objects.get(staff=targeted)
    assert assignment.due_on == date(2026, 1, 10) + timedelta(days=90)
    assert assignment.source == AssignmentSource.REQUIREMENT
    assert not Assignment.objects.filter(staff__in=[wrong_role, wrong_agency, inactive]).exists()


def test_existing_staff_are_due_n_days_after_the_mandate_starts(setup):
    requirement = setup["requirement"]
    requirement.starts_on = date(2026, 6, 1)
    requirement.save()
    veteran = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM, hire_date=date(2015, 3, 1))
    sync_assignments()
    assert Assignment.objects.get(staff=veteran).due_on == date(2026, 6, 1) + timedelta(days=90)


def test_rerunning_the_derivation_changes_nothing(setup):
    StaffFactory.create_batch(3, agency=setup["mcm_agency"], role=JobRole.MCM)
    sync_assignments()
    before = list(Assignment.objects.values_list("pk", "state", "due_on").order_by("pk"))
    result = sync_assignments()
    assert not result.changed
    assert list(Assignment.objects.values_list("pk", "state", "due_on").order_by("pk")) == before


def test_role_change_withdraws_open_and_keeps_completed_history(setup):
    other = make_curriculum()
    nmcm_req = make_requirement(other, categories=[category("MCM")], roles=[JobRole.NMCM])
    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    sync_assignments()
    for lesson in setup["curriculum"].lessons():
        record_lesson_completion(user=staff.user, lesson=lesson)
    completed = Assignment.objects.get(staff=staff, curriculum=setup["curriculum"])
    assert completed.state == AssignmentState.COMPLETED
    extra = make_curriculum()
    make_requirement(extra, categories=[category("MCM")], roles=[JobRole.MCM])
    sync_assignments()
    open_one = Assignment.objects.get(staff=staff, curriculum=extra)

    staff.role = JobRole.NMCM
    staff.save()
    result = sync_assignments(staff_ids=[staff.pk])

    open_one.refresh_from_db()
    completed.refresh_from_db()
    assert open_one.state == AssignmentState.WITHDRAWN
    assert completed.state == AssignmentState.COMPLETED
    assert Assignment.objects.get(staff=staff, curriculum=other, state=AssignmentState.OPEN).requirement == nmcm_req
    assert {a.curriculum_id for a in result.created} == {other.pk}


def test_leaving_withdraws_open_assignments_including_manual(setup):
    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    coordinator = UserFactory()
    sync_assignments()
    assign_curriculum(staff=[staff], curriculum=make_curriculum(), due_on=date(2027, 1, 1), by=coordinator)
    staff.active = False
    staff.left_on = timezone.localdate()
    staff.save()
    sync_assignments(staff_ids=[staff.pk])
    assert not Assignment.objects.filter(staff=staff, state=AssignmentState.OPEN).exists()


def test_staff_with_a_valid_certificate_get_a_completed_assignment(setup):
    staff = StaffFactory(agency=setup["nmcm_agency"], role=JobRole.MCM)
    for lesson in setup["curriculum"].lessons():
        record_lesson_completion(user=staff.user, lesson=lesson)
    staff.agency = setup["mcm_agency"]
    staff.save()
    sync_assignments()
    assert Assignment.objects.get(staff=staff).state == AssignmentState.COMPLETED


def test_expiring_certificate_creates_a_recertification_assignment_due_at_expiry(setup):
    from certificates.models import Certificate

    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    sync_assignments()
    for lesson in setup["curriculum"].lessons():
        record_lesson_completion(user=staff.user, lesson=lesson)
    cert = Certificate.objects.get(user=staff.user)
    today = cert.expires_on - timedelta(days=30)
    result = sync_assignments(today=today)
    renewal = Assignment.objects.get(staff=staff, state=AssignmentState.OPEN)
    assert renewal.source == AssignmentSource.RECERTIFICATION
    assert renewal.due_on == cert.expires_on
    assert result.created == [renewal]
    assert not sync_assignments(today=today).changed


def test_manual_assignment_keeps_one_open_assignment_with_the_earlier_due_date(setup):
    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    sync_assignments()
    mandated = Assignment.objects.get(staff=staff)
    assign_curriculum(
        staff=[staff], curriculum=setup["curriculum"], due_on=mandated.due_on - timedelta(days=10), by=UserFactory()
    )
    assert Assignment.objects.filter(staff=staff, state=AssignmentState.OPEN).count() == 1
    mandated.refresh_from_db()
    assert mandated.due_on < mandated.required_from + timedelta(days=200)


def test_waiver_needs_a_reason_and_is_kept(setup):
    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    sync_assignments()
    assignment = Assignment.objects.get(staff=staff)
    with pytest.raises(ValueError):
        waive_assignment(assignment=assignment, reason="  ", by=UserFactory())
    waive_assignment(assignment=assignment, reason="Equivalent training on file", by=UserFactory())
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.WAIVED
    assert not sync_assignments().created


def test_status_is_derived_from_dates_and_progress(setup):
    staff = StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM, hire_date=date(2026, 1, 1))
    sync_assignments()
    assignment = Assignment.objects.get(staff=staff)
    assert assignment.status(today=date(2026, 2, 1)) == "not_started"
    assert assignment.status(today=date(2026, 2, 1), started=True) == "in_progress"
    assert assignment.status(today=date(2026, 6, 1)) == "overdue"


def test_nightly_task_runs_the_derivation(setup):
    from curricula.tasks import sync_all_assignments

    StaffFactory(agency=setup["mcm_agency"], role=JobRole.MCM)
    assert sync_all_assignments.delay().get() == {"created": 1, "withdrawn": 0}
    assert sync_all_assignments.delay().get() == {"created": 0, "withdrawn": 0}


def _completed_without_certificate(setup, count: int, completed_on: date) -> list:
    """People whose completion has no certificate (e.g. a curriculum that never expires), so the mandate's
    own renewal period decides when they are due again."""
    curriculum = setup["curriculum"]
    people = StaffFactory.create_batch(count, agency=setup["mcm_agency"], role=JobRole.MCM, hire_date=date(2024, 1, 1))
    for member in people:
        completion = CurriculumCompletionFactory(
            user=member.user, curriculum=curriculum, completed_at=at_noon(completed_on), credit_hours=1
        )
        AssignmentFactory(
            staff=member, curriculum=curriculum, source=AssignmentSource.REQUIREMENT, requirement=setup["requirement"],
            due_on=date(2024, 4, 1), state=AssignmentState.COMPLETED, closed_on=completed_on, completion=completion,
        )  # fmt: skip
    return people


def test_renewal_without_a_certificate_follows_the_mandate_period_in_bounded_queries(
    setup, django_assert_max_num_queries
):
    """12 months after completing (the mandate's renewal period), a recertification is created; the nightly
    run reads the completion dates in one query, not one per person."""
    few = _completed_without_certificate(setup, 2, date(2025, 3, 1))
    with django_assert_max_num_queries(12) as captured:
        sync_assignments(today=date(2026, 1, 15))
    few_queries = len(captured.captured_queries)
    assert Assignment.objects.filter(state=AssignmentState.OPEN).count() == 2
    renewal = Assignment.objects.get(staff=few[0], state=AssignmentState.OPEN)
    assert renewal.source == AssignmentSource.RECERTIFICATION
    assert renewal.due_on == date(2026, 3, 1)  # 12 calendar months (curricula.rules.renewal_date)

    Assignment.objects.filter(state=AssignmentState.OPEN).delete()
    _completed_without_certificate(setup, 30, date(2025, 3, 1))
    with django_assert_max_num_queries(few_queries):
        sync_assignments(today=date(2026, 1, 15))
    assert Assignment.objects.filter(state=AssignmentState.OPEN).count() == 32
