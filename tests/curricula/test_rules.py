"""The one home of the assignment rules (curricula/rules.py): every page and the compliance evaluator agree."""

from __future__ import annotations

from datetime import date

from compliance.status import AssignmentFact, Status, evaluate
from curricula.rules import AssignmentState, assignment_status, is_overdue, renewal_date

DUE = date(2026, 3, 31)


def _fact(state: str = AssignmentState.OPEN) -> AssignmentFact:
    return AssignmentFact(
        id=1, staff_id=1, curriculum_id=1, requirement_id=1, required_from=date(2026, 1, 1), due_on=DUE,
        state=state, closed_on=None, waived_reason="",
    )  # fmt: skip


def test_the_due_date_itself_is_on_time_and_the_day_after_is_overdue_everywhere():
    for day, overdue in ((DUE, False), (date(2026, 4, 1), True)):
        assert is_overdue(due_on=DUE, day=day) is overdue
        learner = assignment_status(state=AssignmentState.OPEN, due_on=DUE, today=day, started=True)
        staff_page = assignment_status(state=AssignmentState.OPEN, due_on=DUE, today=day)
        compliance = evaluate([_fact()], [], day).status
        assert (learner, staff_page, compliance) == (
            ("overdue", "overdue", Status.OVERDUE) if overdue else ("in_progress", "due", Status.DUE)
        )


def test_a_closed_assignment_is_what_its_state_says_whatever_the_date():
    for state in (AssignmentState.COMPLETED, AssignmentState.WAIVED, AssignmentState.WITHDRAWN):
        assert assignment_status(state=state, due_on=DUE, today=date(2027, 1, 1), started=False) == state.value


def test_evaluate_names_what_it_found():
    found = evaluate([_fact()], [], date(2026, 2, 1))
    assert found.status == Status.DUE and found.governing.id == 1
    assert found.valid is None and found.expired is None and found.revoked is None
    assert evaluate([], [], date(2026, 2, 1)).status == Status.NOT_APPLICABLE


def test_renewal_counts_calendar_months_not_average_days():
    # round(1 * 30.44) days after 31 January was 2 March; a month after it is the end of February.
    assert renewal_date(completed_on=date(2025, 1, 31), months=1) == date(2025, 2, 28)
    assert renewal_date(completed_on=date(2024, 2, 29), months=12) == date(2025, 2, 28)
    assert renewal_date(completed_on=date(2025, 6, 15), months=24) == date(2027, 6, 15)
    assert renewal_date(completed_on=date(2025, 6, 15), months=0) is None
