"""What supervisors, agency administrators and coordinators do for selected staff: remind now, extend a due
date, waive, assign a curriculum. Each is planned first (who is affected, who is skipped and why: the
confirmation page shows it) and then applied in one transaction that writes a `StaffAction` per change, the
person's history. Who may act on whom is decided by the caller through ``agencies.access``.

The queries here do not grow with the number of people chosen (bulk reads, bulk writes, one outbox row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import StaffMember
from curricula.models import Assignment, AssignmentState, CurriculumPage
from curricula.services import assign_curriculum, extend_due_dates, waive_assignment
from outbox.services import enqueue_many

from .models import StaffAction, StaffActionKind


class Action:
    REMIND = "remind"
    EXTEND = "extend"
    WAIVE = "waive"
    ASSIGN = "assign"

    CHOICES = [
        (REMIND, _("Send a reminder now")),
        (EXTEND, _("Extend a due date")),
        (WAIVE, _("Waive a curriculum")),
        (ASSIGN, _("Assign a curriculum")),
    ]
    NEEDS_CURRICULUM = {EXTEND, WAIVE, ASSIGN}
    NEEDS_DATE = {EXTEND, ASSIGN}
    NEEDS_REASON = {EXTEND, WAIVE}


@dataclass
class Affected:
    """One chosen person: what the action will touch for them, or why it will not."""

    staff: StaffMember
    assignments: list[Assignment] = field(default_factory=list)
    note: str = ""


@dataclass
class ActionPlan:
    action: str
    affected: list[Affected] = field(default_factory=list)
    skipped: list[Affected] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(dict(Action.CHOICES)[self.action])


def _open_assignments(staff: list[StaffMember]) -> dict[int, list[Assignment]]:
    found: dict[int, list[Assignment]] = {m.pk: [] for m in staff}
    for assignment in (
        Assignment.objects.filter(staff__in=[m.pk for m in staff], state=AssignmentState.OPEN)
        .select_related("curriculum")
        .order_by("due_on", "pk")
    ):
        found[assignment.staff_id].append(assignment)
    return found


def plan_action(
    *,
    action: str,
    staff: list[StaffMember],
    curriculum: CurriculumPage | None = None,
    due_on: date | None = None,
) -> ActionPlan:
    """Who the action affects and who it skips, without changing anything. Two queries."""
    plan = ActionPlan(action=action)
    open_by_staff = _open_assignments(staff)
    for member in staff:
        items = open_by_staff[member.pk]
        if curriculum is not None:
            items = [a for a in items if a.curriculum_id == curriculum.pk]
        if action == Action.REMIND:
            if items:
                plan.affected.append(Affected(member, items))
            else:
                plan.skipped.append(Affected(member, note=gettext("has no open training to be reminded of")))
        elif action == Action.ASSIGN:
            if items:
                note = gettext("already has it open, due %(day)s (kept)") % {"day": f"{items[0].due_on:%Y-%m-%d}"}
                plan.skipped.append(Affected(member, items, note=note))
            else:
                plan.affected.append(Affected(member))
        elif not items:
            if curriculum is not None:
                note = gettext("has no open assignment of %(code)s") % {"code": curriculum.code}
            else:
                note = gettext("has no open assignment of it")
            plan.skipped.append(Affected(member, note=note))
        elif action == Action.EXTEND and due_on is not None and due_on <= items[0].due_on:
            plan.skipped.append(
                Affected(
                    member,
                    items,
                    note=gettext("is already due on %(day)s, not before the new date")
                    % {"day": f"{items[0].due_on:%Y-%m-%d}"},
                )
            )
        else:
            plan.affected.append(Affected(member, items))
    return plan


@transaction.atomic
def apply_action(
    *,
    plan: ActionPlan,
    by: User,
    curriculum: CurriculumPage | None = None,
    due_on: date | None = None,
    reason: str = "",
) -> list[StaffAction]:
    """Carry out a plan and record each change in the person's history. Raises ValueError for a missing
    curriculum, date or reason (the form checks these first)."""
    reason = reason.strip()
    if plan.action in Action.NEEDS_REASON and not reason:
        raise ValueError(gettext("Give a reason: it is kept with the person's record."))
    if plan.action in Action.NEEDS_CURRICULUM and curriculum is None:
        raise ValueError(gettext("Choose a curriculum."))
    if plan.action in Action.NEEDS_DATE and due_on is None:
        raise ValueError(gettext("Choose a date."))
    if plan.action == Action.REMIND:
        return _remind(plan=plan, by=by, curriculum=curriculum)
    if plan.action == Action.EXTEND:
        return _extend(plan=plan, by=by, due_on=due_on, reason=reason)
    if plan.action == Action.WAIVE:
        return _waive(plan=plan, by=by, reason=reason)
    if plan.action == Action.ASSIGN:
        return _assign(plan=plan, by=by, curriculum=curriculum, due_on=due_on)
    raise ValueError("Unknown action.")


def _remind(*, plan: ActionPlan, by: User, curriculum: CurriculumPage | None) -> list[StaffAction]:
    """One email per person listing what is open (or the chosen curriculum), sent by the outbox after commit."""
    actions = StaffAction.objects.bulk_create(
        [
            StaffAction(
                staff=item.staff,
                kind=StaffActionKind.REMINDED,
                curriculum_code=curriculum.code if curriculum is not None else "",
                assignment=item.assignments[0] if len(item.assignments) == 1 else None,
                actor=by,
            )
            for item in plan.affected
        ]
    )
    if actions:
        enqueue_many(task="compliance.tasks.send_reminders_now", args_list=[[[a.pk for a in actions]]])
    return actions


def _extend(*, plan: ActionPlan, by: User, due_on: date | None, reason: str) -> list[StaffAction]:
    assert due_on is not None  # checked by apply_action
    if due_on < timezone.localdate():
        raise ValueError(gettext("The new due date cannot be in the past."))
    assignments = [item.assignments[0] for item in plan.affected]
    previous = {a.pk: a.due_on for a in assignments}
    moved = extend_due_dates(assignments=assignments, due_on=due_on)
    by_pk = {a.pk: a for a in moved}
    return StaffAction.objects.bulk_create(
        [
            StaffAction(
                staff=item.staff,
                kind=StaffActionKind.EXTENDED,
                assignment=item.assignments[0],
                curriculum_code=item.assignments[0].curriculum.code,
                previous_due_on=previous[item.assignments[0].pk],
                due_on=due_on,
                reason=reason,
                actor=by,
            )
            for item in plan.affected
            if item.assignments[0].pk in by_pk
        ]
    )


def _waive(*, plan: ActionPlan, by: User, reason: str) -> list[StaffAction]:
    records = []
    for item in plan.affected:
        assignment = item.assignments[0]
        waive_assignment(assignment=assignment, reason=reason, by=by)
        records.append(
            StaffAction(
                staff=item.staff,
                kind=StaffActionKind.WAIVED,
                assignment=assignment,
                curriculum_code=assignment.curriculum.code,
                due_on=assignment.due_on,
                reason=reason,
                actor=by,
            )
        )
    return StaffAction.objects.bulk_create(records)


def _assign(*, plan: ActionPlan, by: User, curriculum: CurriculumPage | None, due_on: date | None) -> list[StaffAction]:
    assert curriculum is not None and due_on is not None  # checked by apply_action
    people = [item.staff for item in plan.affected]
    created = assign_curriculum(staff=people, curriculum=curriculum, due_on=due_on, by=by)
    by_staff = {a.staff_id: a for a in created}
    return StaffAction.objects.bulk_create(
        [
            StaffAction(
                staff=item.staff,
                kind=StaffActionKind.ASSIGNED,
                assignment=by_staff[item.staff.pk],
                curriculum_code=curriculum.code,
                due_on=due_on,
                actor=by,
            )
            for item in plan.affected
            if item.staff.pk in by_staff
        ]
    )


def history(*, staff: StaffMember, limit: int = 100) -> list[StaffAction]:
    """A person's history, newest first, with who did it. One query."""
    return list(StaffAction.objects.filter(staff=staff).select_related("actor").order_by("-created_at", "-pk")[:limit])


def record_actions(*, kind: str, assignments: list[Assignment], by: User, reason: str = "") -> list[StaffAction]:
    """History rows for changes made on the single-person screens (waive one assignment, assign by role or to
    one person), so every waiver and assignment is in the person's history, however it was made. One query."""
    return StaffAction.objects.bulk_create(
        [
            StaffAction(
                staff_id=assignment.staff_id,
                kind=kind,
                assignment=assignment,
                curriculum_code=assignment.curriculum.code,
                due_on=assignment.due_on,
                reason=reason,
                actor=by,
            )
            for assignment in assignments
        ]
    )
