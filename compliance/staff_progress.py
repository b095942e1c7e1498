"""Progress a supervisor or administrator can read in a staff list: for each person, the required lessons
done of their open training, quiz attempts and their last activity, so "not started" and "halfway" are told
apart. Seven queries for a page of people, whatever its size (tests pin it).

Counts follow the completion rule's cycle: a lesson done or a quiz tried before the person's last completion
of that curriculum belongs to the earlier cycle and does not count again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import cast

from django.db.models import Max, Q
from django.utils.translation import gettext

from agencies.models import StaffMember
from assessments.models import Attempt
from curricula.models import Assignment, AssignmentState, CurriculumCompletion, LessonPage, LessonProgress


@dataclass
class StaffProgress:
    open_items: int = 0
    overdue_items: int = 0
    earliest_due: date | None = None
    lessons_done: int = 0
    lessons_required: int = 0
    quiz_attempts: int = 0
    last_activity: datetime | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_required) if self.lessons_required else 0

    @property
    def summary(self) -> str:
        """In words, for the table: nothing open, not started, or how far."""
        if not self.open_items:
            return gettext("Nothing open")
        if not self.lessons_done and not self.quiz_attempts:
            return gettext("Not started")
        if self.lessons_required and self.lessons_done >= self.lessons_required:
            return gettext("Lessons done, quiz to pass") if self.quiz_attempts else gettext("Lessons done")
        return gettext("In progress (%(percent)s%%)") % {"percent": self.percent}


def progress_of_staff(*, staff: Iterable[StaffMember], today: date) -> dict[int, StaffProgress]:
    """staff id -> progress through their open assignments, for one page of a staff list."""
    members = list(staff)
    result = {m.pk: StaffProgress() for m in members}
    if not members:
        return result
    user_of = {m.pk: m.user_id for m in members}
    user_ids = set(user_of.values())

    # 1. open assignments and their curricula's place in the page tree
    open_rows = list(
        Assignment.objects.filter(staff__in=list(user_of), state=AssignmentState.OPEN).values_list(
            "staff_id", "curriculum_id", "curriculum__path", "due_on"
        )
    )
    paths: dict[int, str] = {}
    wanted: dict[int, set[int]] = {}  # user id -> curriculum ids open for them
    for staff_id, curriculum_id, path, due_on in open_rows:
        progress = result[staff_id]
        progress.open_items += 1
        progress.overdue_items += due_on < today
        progress.earliest_due = min(progress.earliest_due or due_on, due_on)
        paths[curriculum_id] = path
        wanted.setdefault(user_of[staff_id], set()).add(curriculum_id)

    # 2. last activity: the latest lesson view and the latest quiz start, whatever the curriculum
    latest: dict[int, datetime] = {}
    for user_id, seen in (
        LessonProgress.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(seen=Max("last_viewed_at"))
        .values_list("user_id", "seen")
    ):
        latest[user_id] = seen
    for user_id, started in (
        Attempt.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(started=Max("started_at"))
        .values_list("user_id", "started")
    ):
        latest[user_id] = max(latest.get(user_id, started), started)
    for staff_id, user_id in user_of.items():
        result[staff_id].last_activity = latest.get(user_id)
    if not paths:
        return result

    # 3. the required lessons of those curricula
    under_any = reduce(or_, (Q(path__startswith=path) for path in paths.values()))
    lesson_curriculum: dict[int, int] = {}
    required: dict[int, int] = {}
    for lesson_id, lesson_path in LessonPage.objects.live().filter(under_any, required=True).values_list("pk", "path"):
        for curriculum_id, path in paths.items():
            if lesson_path.startswith(path):
                lesson_curriculum[lesson_id] = curriculum_id
                required[curriculum_id] = required.get(curriculum_id, 0) + 1
                break

    # 4. each person's last completion of each curriculum: work before it belongs to the earlier cycle
    since: dict[tuple[int, int], datetime] = {
        (user_id, curriculum_id): done
        for user_id, curriculum_id, done in CurriculumCompletion.objects.filter(
            user_id__in=user_ids, curriculum_id__in=list(paths)
        )
        .values("user_id", "curriculum_id")
        .annotate(done=Max("completed_at"))
        .values_list("user_id", "curriculum_id", "done")
    }

    # 5. lessons completed, 6. quiz attempts submitted, in the current cycle
    done: dict[int, int] = {}
    for user_id, lesson_id, completed_at in LessonProgress.objects.filter(
        user_id__in=user_ids, lesson_id__in=list(lesson_curriculum), completed_at__isnull=False
    ).values_list("user_id", "lesson_id", "completed_at"):
        curriculum_id = lesson_curriculum[lesson_id]
        start = since.get((user_id, curriculum_id))
        finished = cast(datetime, completed_at)  # the filter keeps completed rows only
        if curriculum_id in wanted.get(user_id, ()) and (start is None or finished > start):
            done[user_id] = done.get(user_id, 0) + 1
    attempts: dict[int, int] = {}
    for user_id, curriculum_id, started_at in Attempt.objects.filter(
        user_id__in=user_ids, quiz__curriculum_id__in=list(paths), submitted_at__isnull=False
    ).values_list("user_id", "quiz__curriculum_id", "started_at"):
        start = since.get((user_id, curriculum_id))
        if curriculum_id in wanted.get(user_id, ()) and (start is None or started_at > start):
            attempts[user_id] = attempts.get(user_id, 0) + 1

    for staff_id, user_id in user_of.items():
        progress = result[staff_id]
        progress.lessons_required = sum(required.get(c, 0) for c in wanted.get(user_id, ()))
        progress.lessons_done = done.get(user_id, 0)
        progress.quiz_attempts = attempts.get(user_id, 0)
    return result
