"""A supervisor's journey (issue 21): from the team's compliance page to their team, two overdue people
chosen; one is reminded now (the email arrives), the other's due date is extended with a reason; both
actions are in each person's history and the extension on the compliance record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SUPERVISOR = "supervisor@harbor.demo"


def _two_overdue_in_the_team():
    """Two people the demo supervisor supervises with something overdue, and the second one's overdue item."""
    from curricula.models import Assignment, AssignmentState

    today = timezone.localdate()
    overdue = (
        Assignment.objects.filter(
            staff__supervisor__user__username=SUPERVISOR, staff__active=True, state=AssignmentState.OPEN,
            due_on__lt=today,
        )
        .select_related("staff__user", "curriculum")
        .order_by("staff__user__last_name", "due_on")
    )  # fmt: skip
    by_person = {}
    for assignment in overdue:
        by_person.setdefault(assignment.staff_id, assignment)
    first, second = list(by_person.values())[:2]
    return first, second


def test_supervisor_reminds_one_overdue_person_and_extends_another(demo_site, journey):
    remind, extend = _two_overdue_in_the_team()
    reminded, extended = remind.staff.display_name, extend.staff.display_name
    new_due = timezone.localdate() + timedelta(days=21)
    reason = "Covering two caseloads this month; agreed with the program manager."

    j = journey("supervisor", demo_site)
    page = j.page
    j.log_in(SUPERVISOR)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Compliance").click()
    page.get_by_role("link", name="Act on your team").click()
    expect(page.get_by_role("heading", name="My team")).to_be_visible()
    for name in (reminded, extended):
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
        expect(row).to_contain_text("overdue")
    # Both overdue people chosen: the list shows each one's progress and last activity.
    expect(page.get_by_role("columnheader", name="Lessons done")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Last activity")).to_be_visible()
    page.get_by_label(f"Select {reminded}").check()
    page.get_by_label(f"Select {extended}").check()
    expect(page.get_by_label(f"Select {reminded}")).to_be_checked()
    j.checkpoint("team-selected")

    # Remind the first one now: uncheck the second, continue, see who is affected, confirm.
    page.get_by_label(f"Select {extended}").uncheck()
    page.get_by_label("Action").select_option("remind")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Act on selected staff")).to_be_visible()
    page.get_by_role("button", name="Continue: see who is affected").click()
    expect(page.get_by_role("heading", name="Confirm: send a reminder now")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("This affects 1 person")
    expect(page.get_by_role("main")).to_contain_text(reminded)
    j.checkpoint("remind-confirm")
    page.get_by_role("button", name="Confirm: send a reminder now").click()
    expect(page.get_by_text(f"Reminder emailed to 1 person: {reminded}")).to_be_visible()
    assert [m.to for m in mail.outbox if "Reminder from Sam Lee" in m.subject] == [[remind.staff.user.email]]

    # Extend the second one's overdue item, with a reason.
    page.get_by_label(f"Select {extended}").check()
    page.get_by_label("Action").select_option("extend")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue: see who is affected").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a reason")  # nothing given yet: told what is missing
    curriculum = extend.curriculum
    page.get_by_label("Curriculum", exact=True).select_option(label=f"{curriculum.code} {curriculum.title}")
    page.get_by_label("New due date").fill(new_due.isoformat())
    page.get_by_label("Reason", exact=True).fill(reason)
    page.get_by_role("button", name="Continue: see who is affected").click()
    expect(page.get_by_role("heading", name="Confirm: extend a due date")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"{extend.curriculum.code} due {extend.due_on:%Y-%m-%d} becomes due {new_due:%Y-%m-%d}"
    )
    j.checkpoint("extend-confirm")
    page.get_by_role("button", name="Confirm: extend a due date").click()
    expect(page.get_by_text(f"Due date extended for 1 person: {extended}")).to_be_visible()

    # Both in their histories.
    page.get_by_role("link", name=reminded).click()
    history = page.locator("ol.history")
    expect(history).to_contain_text("Reminder sent")
    expect(history).to_contain_text("by Sam Lee")
    j.checkpoint("reminded-history")
    page.go_back()
    page.get_by_role("link", name=extended).click()
    expect(page.locator("ol.history")).to_contain_text(
        f"{extend.curriculum.code} due date extended from {extend.due_on:%Y-%m-%d} to {new_due:%Y-%m-%d} by Sam Lee"
    )
    expect(page.locator("ol.history")).to_contain_text(reason)
    j.checkpoint("extended-history")
    # The compliance record shows the extension too.
    page.get_by_role("link", name="Training compliance record").click()
    expect(page.get_by_role("heading", name="Reminders, extensions, waivers and assignments")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(reason)
    j.checkpoint("compliance-record")
    j.assert_clean()
