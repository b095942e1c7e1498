"""Completing a curriculum: recording a finished lesson, and the one writer of completions.

Completion knows nothing of certificates (as openedx/completion keeps completion free of grading): it sends
`curriculum_completed` inside its transaction, and the certificates app, which sits above, issues the
certificate in its receiver (`certificates/receivers.py`). A quiz submission (`assessments.services`) and a
lesson marked done (`record_lesson_completion`) both end here."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import Assignment, CurriculumCompletion, CurriculumPage, LessonPage, LessonProgress
from .queries import curriculum_progress
from .rules import AssignmentState
from .translation import canonical_page

# Sent with `completion=` (a new CurriculumCompletion) inside the completing transaction: a receiver that
# raises rolls the completion back.
curriculum_completed = Signal()


def last_completion(*, user: User, curriculum: CurriculumPage) -> CurriculumCompletion | None:
    return CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).order_by("-cycle").first()


def record_lesson_completion(*, user: User, lesson: LessonPage) -> CurriculumCompletion | None:
    """Mark a live lesson done (idempotent within a cycle), then complete the curriculum if that finished it."""
    if not lesson.live:
        raise ValueError("Progress can only be recorded on a published lesson.")
    lesson = canonical_page(lesson)  # a translated lesson records against the English one
    curriculum = lesson.get_curriculum()
    with transaction.atomic():
        now = timezone.now()
        progress, created = LessonProgress.objects.get_or_create(
            user=user, lesson=lesson, defaults={"started_at": now, "last_viewed_at": now, "completed_at": now}
        )
        if not created:
            previous = last_completion(user=user, curriculum=curriculum)
            stale = progress.completed_at is None or (
                previous is not None and progress.completed_at <= previous.completed_at
            )
            if stale:
                progress.completed_at = now
                progress.last_viewed_at = now
                progress.save(update_fields=["completed_at", "last_viewed_at"])
    return complete_if_done(user=user, curriculum=curriculum)


def complete_if_done(*, user: User, curriculum: CurriculumPage) -> CurriculumCompletion | None:
    """The one place a completion is created. Exactly one per cycle, even when two requests race:
    the unique (user, curriculum, cycle) constraint lets only one insert win. Open assignments close with
    it, and `curriculum_completed` is sent in the same transaction (so a certificate is issued with it)."""
    curriculum = canonical_page(curriculum)  # one record whatever the language it was taken in
    progress = curriculum_progress(user=user, curriculum=curriculum, kept=False)  # evidence: from the database
    if not progress.is_complete:
        return None
    cycle = progress.cycle
    try:
        with transaction.atomic():
            completion = CurriculumCompletion.objects.create(
                user=user,
                curriculum=curriculum,
                cycle=cycle,
                completed_at=timezone.now(),
                curriculum_code=curriculum.code,
                curriculum_title=curriculum.title,
                credit_hours=curriculum.credit_hours,
            )
            Assignment.objects.filter(staff__user=user, curriculum=curriculum, state=AssignmentState.OPEN).update(
                state=AssignmentState.COMPLETED,
                completion=completion,
                closed_on=timezone.localdate(),
                updated_at=timezone.now(),
            )
            # Receivers (certificates.receivers issues the certificate) run inside this transaction.
            curriculum_completed.send(sender=CurriculumCompletion, completion=completion)
    except IntegrityError:
        return None  # another request completed this cycle first
    return completion
