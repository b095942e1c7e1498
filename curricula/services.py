"""Writes about curricula: deriving assignments from mandates, assigning and waiving, recording lesson views.

Completing a curriculum has its own home, `curricula/completion.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from agencies.models import StaffMember
from certificates.models import Certificate

from .models import (
    Assignment,
    AssignmentSource,
    AssignmentState,
    CurriculumCompletion,
    CurriculumPage,
    LessonPage,
    LessonProgress,
    Requirement,
)
from .queries import CurriculumProgress
from .rules import RENEWAL_NOTICE_DAYS, renewal_date
from .translation import canonical_page


@dataclass
class SyncResult:
    created: list[Assignment] = field(default_factory=list)
    withdrawn: list[Assignment] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.withdrawn)


def _targets(staff: list[StaffMember], requirements: list[Requirement]) -> dict[tuple[int, int], Requirement]:
    """(staff id, curriculum id) -> the requirement with the earliest due date that targets it."""
    targets: dict[tuple[int, int], Requirement] = {}
    for member in staff:
        if not member.active or not member.agency.active:
            continue
        for requirement in requirements:
            if not requirement.reaches(member):
                continue
            key = (member.pk, requirement.curriculum_id)
            current = targets.get(key)
            if current is None or requirement.due_date_for(member) < current.due_date_for(member):
                targets[key] = requirement
    return targets


@transaction.atomic
def sync_assignments(*, staff_ids: list[int] | None = None, today: date | None = None) -> SyncResult:
    """Make assignments match the mandates. Safe to re-run at any time: a second run changes nothing.

    - a targeted person with no current assignment gets one (already completed if they hold a valid certificate);
    - a completed assignment whose certificate is about to expire gets a recertification assignment due at expiry;
    - an open mandated assignment that no mandate targets any more (role change, leaving, mandate ended) is
      withdrawn; completed history is never touched.
    """
    today = today or timezone.localdate()
    # Related rows are selected with subqueries of `chosen`, not lists of ids: a whole program is more ids
    # than SQLite accepts as parameters in one statement.
    chosen = StaffMember.objects.all() if staff_ids is None else StaffMember.objects.filter(pk__in=staff_ids)
    staff = list(chosen.select_related("agency", "user").prefetch_related("agency__categories"))
    requirements = list(
        Requirement.objects.filter(active=True, curriculum__live=True)
        .select_related("curriculum")
        .prefetch_related("categories", "agencies")
    )
    targets = _targets(staff, requirements)
    staff_by_id = {m.pk: m for m in staff}

    assignments = Assignment.objects.filter(staff__in=chosen.values("pk")).exclude(state=AssignmentState.WITHDRAWN)
    latest: dict[tuple[int, int], Assignment] = {}
    open_assignments: list[Assignment] = []
    for assignment in assignments.order_by("created_at", "pk"):
        latest[(assignment.staff_id, assignment.curriculum_id)] = assignment
        if assignment.state == AssignmentState.OPEN:
            open_assignments.append(assignment)

    valid_certs: dict[tuple[int, int | None], Certificate] = {}
    current = Certificate.objects.filter(
        user_id__in=chosen.values("user_id"), revoked_at__isnull=True, superseded_at__isnull=True,
        curriculum__isnull=False,
    ).only("pk", "user_id", "curriculum_id", "expires_on", "completion_id", "issued_at")  # fmt: skip
    for valid in current.order_by("issued_at"):
        if valid.expires_on is None or valid.expires_on > today:
            valid_certs[(valid.user_id, valid.curriculum_id)] = valid

    # Completions whose date decides a renewal (completed, no valid certificate): one query per 500.
    completion_ids = [
        a.completion_id for a in latest.values()
        if a.state == AssignmentState.COMPLETED and a.completion_id
        and (staff_by_id[a.staff_id].user_id, a.curriculum_id) not in valid_certs
    ]  # fmt: skip
    completed_on = _completion_dates(completion_ids)

    result = SyncResult()
    to_create: list[Assignment] = []
    for (staff_id, curriculum_id), requirement in targets.items():
        member = staff_by_id[staff_id]
        existing = latest.get((staff_id, curriculum_id))
        cert = valid_certs.get((member.user_id, curriculum_id))
        if existing is not None and existing.state == AssignmentState.OPEN:
            continue
        if existing is None:
            # Someone who already holds a valid certificate meets the mandate at once.
            done = (
                {"state": AssignmentState.COMPLETED, "closed_on": today, "completion_id": cert.completion_id}
                if cert is not None
                else {}
            )
            to_create.append(
                Assignment(
                    staff=member,
                    curriculum_id=curriculum_id,
                    source=AssignmentSource.REQUIREMENT,
                    requirement=requirement,
                    required_from=max(member.hire_date, requirement.starts_on),
                    due_on=requirement.due_date_for(member),
                    **done,
                )
            )
            continue
        # Completed before: renew when the certificate is about to run out.
        if existing.state == AssignmentState.COMPLETED:
            expiry = cert.expires_on if cert is not None else _renewal_due(existing, requirement, completed_on)
            if expiry is not None and expiry - timedelta(days=RENEWAL_NOTICE_DAYS) <= today:
                to_create.append(
                    Assignment(
                        staff=member,
                        curriculum_id=curriculum_id,
                        source=AssignmentSource.RECERTIFICATION,
                        requirement=requirement,
                        required_from=today,
                        due_on=max(expiry, today),
                    )
                )
    if to_create:
        result.created = Assignment.objects.bulk_create(to_create)

    withdraw_ids = []
    for assignment in open_assignments:
        member = staff_by_id[assignment.staff_id]
        targeted = (assignment.staff_id, assignment.curriculum_id) in targets
        if not member.active or (assignment.source != AssignmentSource.MANUAL and not targeted):
            withdraw_ids.append(assignment.pk)
            result.withdrawn.append(assignment)
    for start in range(0, len(withdraw_ids), 500):
        Assignment.objects.filter(pk__in=withdraw_ids[start : start + 500]).update(
            state=AssignmentState.WITHDRAWN, closed_on=today, updated_at=timezone.now()
        )
    return result


def _completion_dates(ids: list[int]) -> dict[int, date]:
    dates: dict[int, date] = {}
    for start in range(0, len(ids), 500):
        for pk, completed_at in CurriculumCompletion.objects.filter(pk__in=ids[start : start + 500]).values_list(
            "pk", "completed_at"
        ):
            dates[pk] = timezone.localdate(completed_at)
    return dates


def _renewal_due(assignment: Assignment, requirement: Requirement, completed_on: dict[int, date]) -> date | None:
    """Without a certificate, the curriculum's recertification period (the one place it is set) decides when a
    completion is due again, counted from the completion, as a certificate's expiry is."""
    completed = completed_on.get(assignment.completion_id) if assignment.completion_id else None
    if completed is None:
        return None
    return renewal_date(completed_on=completed, months=requirement.curriculum.recertification_months)


@transaction.atomic
def assign_curriculum(
    *, staff: list[StaffMember], curriculum: CurriculumPage, due_on: date, by: User
) -> list[Assignment]:
    """Manual assignment to people (a role or a whole agency is resolved to people by the caller).

    A person who already has an open assignment for the curriculum keeps it, with the earlier due date."""
    today = timezone.localdate()
    created: list[Assignment] = []
    open_by_staff = {
        a.staff_id: a
        for a in Assignment.objects.select_for_update().filter(
            staff__in=staff, curriculum=curriculum, state=AssignmentState.OPEN
        )
    }
    for member in staff:
        existing = open_by_staff.get(member.pk)
        if existing is not None:
            if due_on < existing.due_on:
                existing.due_on = due_on
                existing.save(update_fields=["due_on", "updated_at"])
            continue
        created.append(
            Assignment(
                staff=member,
                curriculum=curriculum,
                source=AssignmentSource.MANUAL,
                assigned_by=by,
                required_from=today,
                due_on=due_on,
            )
        )
    return Assignment.objects.bulk_create(created)


@transaction.atomic
def waive_assignment(*, assignment: Assignment, reason: str, by: User) -> Assignment:
    if not reason.strip():
        raise ValueError("A waiver needs a reason.")
    assignment.state = AssignmentState.WAIVED
    assignment.waived_reason = reason.strip()
    assignment.closed_on = timezone.localdate()
    assignment.assigned_by = assignment.assigned_by or by
    assignment.save(update_fields=["state", "waived_reason", "closed_on", "assigned_by", "updated_at"])
    return assignment


def record_lesson_view(*, user: User, lesson: LessonPage, progress: CurriculumProgress | None = None) -> None:
    """A first view starts the lesson; a later one moves the resume point and the last-activity day. With the
    reader's `progress` in the lesson's curriculum, a reload that would change neither (this lesson is already
    the last one viewed, today) writes nothing: a lesson page is read far more often than it changes."""
    lesson = canonical_page(lesson)  # a translated lesson records against the English one
    now = timezone.now()
    if (
        progress is not None
        and progress.last_lesson_id == lesson.pk
        and progress.last_viewed_at is not None
        and timezone.localdate(progress.last_viewed_at) == timezone.localdate(now)
    ):
        return  # before any transaction: a reload costs no BEGIN/COMMIT either
    with transaction.atomic():
        record, created = LessonProgress.objects.get_or_create(
            user=user, lesson=lesson, defaults={"started_at": now, "last_viewed_at": now}
        )
        if not created:
            LessonProgress.objects.filter(pk=record.pk).update(last_viewed_at=now)


@transaction.atomic
def extend_due_dates(*, assignments: list[Assignment], due_on: date) -> list[Assignment]:
    """Move open assignments' due date later (an extension: never earlier, never a closed one). The caller
    records who did it and why; returns the assignments changed, with their new date. One UPDATE."""
    moved = [a for a in assignments if a.state == AssignmentState.OPEN and due_on > a.due_on]
    if moved:
        Assignment.objects.filter(pk__in=[a.pk for a in moved], state=AssignmentState.OPEN).update(
            due_on=due_on, updated_at=timezone.now()
        )
        for assignment in moved:
            assignment.due_on = due_on
    return moved
