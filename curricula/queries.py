"""Reads about learning: progress through curricula, computed in a fixed number of queries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import cast

from django.contrib.auth.models import User
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from assessments.models import Attempt, Quiz
from content.generation import kept_for_generation

from .models import (
    Assignment,
    AssignmentState,
    CurriculumCompletion,
    CurriculumPage,
    LessonPage,
    LessonProgress,
)
from .rules import AssignmentStatus, assignment_status


@dataclass
class CurriculumProgress:
    curriculum: CurriculumPage
    lesson_ids: list[int] = field(default_factory=list)
    done_lesson_ids: set[int] = field(default_factory=set)
    viewed_lesson_ids: set[int] = field(default_factory=set)
    quiz_ids: list[int] = field(default_factory=list)
    passed_quiz_ids: set[int] = field(default_factory=set)
    last_completion: CurriculumCompletion | None = None
    renewal_open: bool = False
    last_lesson_id: int | None = None
    last_viewed_at: datetime | None = None  # when last_lesson_id was viewed
    quizzes: list[Quiz] = field(default_factory=list)  # the curriculum's active quizzes, required or not

    @property
    def since(self) -> datetime | None:
        return self.last_completion.completed_at if self.last_completion else None

    @property
    def cycle(self) -> int:
        return (self.last_completion.cycle + 1) if self.last_completion else 1

    @property
    def items_total(self) -> int:
        return len(self.lesson_ids) + len(self.quiz_ids)

    @property
    def items_done(self) -> int:
        return len(self.done_lesson_ids & set(self.lesson_ids)) + len(self.passed_quiz_ids & set(self.quiz_ids))

    @property
    def percent(self) -> int:
        if self.last_completion and not self.renewal_open:
            return 100
        return round(100 * self.items_done / self.items_total) if self.items_total else 0

    @property
    def started(self) -> bool:
        return bool(self.viewed_lesson_ids or self.done_lesson_ids or self.passed_quiz_ids)

    @property
    def is_complete(self) -> bool:
        """The completion rule: every required published lesson done and every required quiz passed,
        in the current cycle. A new cycle opens only when renewal is due (an open assignment)."""
        if self.last_completion is not None and not self.renewal_open:
            return False
        if not self.items_total:
            return False
        return self.items_done == self.items_total

    @property
    def completed_before(self) -> bool:
        return self.last_completion is not None


def _curriculum_of(path: str, curricula: list[CurriculumPage]) -> CurriculumPage | None:
    for curriculum in curricula:
        if path.startswith(curriculum.path):
            return curriculum
    return None


def _lessons_under(curricula: list[CurriculumPage], *, kept: bool = True) -> list[tuple[int, str, bool, bool]]:
    """(id, tree path, live, required) of every lesson under these curricula: page structure, which only an
    editor changes, so it is kept per content generation (`content.generation`) unless `kept` is False; the
    query is costly to build for many curricula (one path prefix each)."""

    def compute() -> list[tuple[int, str, bool, bool]]:
        under_any = reduce(or_, (Q(path__startswith=c.path) for c in curricula))
        return list(LessonPage.objects.filter(under_any).order_by("path").values_list("pk", "path", "live", "required"))

    if not kept:
        return compute()
    key = "lessons-under:" + hashlib.sha256(",".join(sorted(c.path for c in curricula)).encode()).hexdigest()
    return kept_for_generation(key=key, compute=compute)


def progress_for_curricula(
    *, user: User, curricula: list[CurriculumPage], kept: bool = True
) -> dict[int, CurriculumProgress]:
    """Progress of one learner through many curricula in five queries, whatever their size: lessons,
    completions, open assignments, lesson progress, and quizzes with the learner's last pass of each. The
    lesson structure comes from the cache unless `kept` is False (the completion rule reads the database)."""
    result = {c.pk: CurriculumProgress(curriculum=c) for c in curricula}
    if not curricula:
        return result
    lesson_owner: dict[int, CurriculumPage | None] = {}
    for pk, path, live, required in _lessons_under(curricula, kept=kept):
        owner = lesson_owner[pk] = _curriculum_of(path, curricula)
        if owner is not None and live and required:
            result[owner.pk].lesson_ids.append(pk)

    for completion in CurriculumCompletion.objects.filter(user=user, curriculum__in=curricula).order_by("cycle"):
        result[completion.curriculum_id].last_completion = completion
    for curriculum_id in Assignment.objects.filter(
        staff__user=user, curriculum__in=curricula, state=AssignmentState.OPEN
    ).values_list("curriculum_id", flat=True):
        result[curriculum_id].renewal_open = True

    latest_view: dict[int, datetime] = {}
    for lesson_id, completed_at, viewed_at in LessonProgress.objects.filter(
        user=user, lesson_id__in=lesson_owner.keys()
    ).values_list("lesson_id", "completed_at", "last_viewed_at"):
        owner = lesson_owner.get(lesson_id)
        if owner is None:
            continue
        progress = result[owner.pk]
        since = progress.since
        if since is None or viewed_at > since:
            progress.viewed_lesson_ids.add(lesson_id)
            if latest_view.get(owner.pk) is None or viewed_at > latest_view[owner.pk]:
                latest_view[owner.pk] = viewed_at
                progress.last_lesson_id = lesson_id
                progress.last_viewed_at = viewed_at
        if completed_at is not None and (since is None or completed_at > since):
            progress.done_lesson_ids.add(lesson_id)

    last_pass = (
        Attempt.objects.filter(quiz=OuterRef("pk"), user=user, passed=True, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values("submitted_at")[:1]
    )
    for quiz in Quiz.objects.filter(curriculum__in=curricula).annotate(last_pass=Subquery(last_pass)).order_by("key"):
        progress = result[cast(int, quiz.curriculum_id)]
        if quiz.active:
            progress.quizzes.append(quiz)
            if quiz.required:
                progress.quiz_ids.append(quiz.pk)
        passed_at = cast(datetime | None, quiz.last_pass)
        if passed_at is not None and (progress.since is None or passed_at > progress.since):
            progress.passed_quiz_ids.add(quiz.pk)
    return result


def curriculum_progress(*, user: User, curriculum: CurriculumPage, kept: bool = True) -> CurriculumProgress:
    return progress_for_curricula(user=user, curricula=[curriculum], kept=kept)[curriculum.pk]


def items_ever_done(*, user: User, curriculum: CurriculumPage) -> tuple[set[int], set[int]]:
    """(lesson ids completed, quiz ids passed) in any cycle: what a curriculum page marks done once the
    curriculum is complete (`curriculum_progress` counts only the cycle after the last completion). Two
    queries."""
    lessons = set(
        LessonProgress.objects.filter(
            user=user, lesson__path__startswith=curriculum.path, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    quizzes = set(
        Attempt.objects.filter(
            user=user, quiz__curriculum=curriculum, passed=True, submitted_at__isnull=False
        ).values_list("quiz_id", flat=True)
    )
    return lessons, quizzes


URGENCY_ORDER = ["overdue", "due_soon", "in_progress", "not_started", "expiring", "completed"]


@dataclass
class DashboardRow:
    assignment: Assignment
    progress: CurriculumProgress
    urgency: str
    days_left: int


def learner_assignments(user: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(staff__user=user)
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("curriculum", "staff__agency", "requirement")
        .order_by("due_on")
    )


def open_assignments_by_user(*, user_ids: Iterable[int]) -> dict[int, list[Assignment]]:
    """What each of these people has to complete, by due date: the list a welcome email gives. One query."""
    found: dict[int, list[Assignment]] = {}
    for assignment in (
        Assignment.objects.filter(staff__user_id__in=list(user_ids), state=AssignmentState.OPEN)
        .select_related("curriculum", "staff")
        .order_by("due_on", "curriculum__code")
    ):
        found.setdefault(assignment.staff.user_id, []).append(assignment)
    return found


def dashboard_rows(*, user: User, today: date | None = None, due_soon_days: int = 30) -> list[DashboardRow]:
    today = today or timezone.localdate()
    assignments = list(learner_assignments(user))
    curricula = list({a.curriculum_id: a.curriculum for a in assignments}.values())
    progress = progress_for_curricula(user=user, curricula=curricula)
    rows = []
    for assignment in assignments:
        p = progress[assignment.curriculum_id]
        days_left = (assignment.due_on - today).days
        urgency = assignment_status(state=assignment.state, due_on=assignment.due_on, today=today, started=p.started)
        if urgency in (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS) and days_left <= due_soon_days:
            urgency = "due_soon"  # the dashboard's own grouping of open, not yet overdue work
        rows.append(DashboardRow(assignment=assignment, progress=p, urgency=urgency, days_left=days_left))
    order = {name: i for i, name in enumerate([*URGENCY_ORDER, "waived"])}
    rows.sort(key=lambda r: (order[r.urgency], r.assignment.due_on))
    return rows
