"""Faults that need real concurrency, so PostgreSQL (SQLite serialises writers and nothing would race).

Two submissions of the same quiz attempt at the same moment (a double click, a retried request behind a
proxy, two tabs) must be scored once: one wins, the other is refused, and the responses, the completion and
the certificate exist once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from assessments.models import Attempt, Response
from assessments.services import AttemptRefused, start_attempt, submit_attempt
from certificates.models import Certificate
from curricula.models import CurriculumCompletion, LessonProgress
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3  # a few races per test; the flush after each test is the slow part


def together(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (its own database connection), released at the same instant;
    return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submission hung (deadlock?)"
    return results


def submission(attempt_id: int, answers: dict) -> Callable[[], Attempt]:
    """One request's work: load the attempt in this thread and submit it."""
    return partial(_submit, attempt_id, answers)


def _submit(attempt_id: int, answers: dict) -> Attempt:
    return submit_attempt(attempt=Attempt.objects.get(pk=attempt_id), raw_answers=answers)


def perfect_answers(parts: dict) -> dict[int, object]:
    single, right, _ = parts["single"]
    multiple, options = parts["multiple"]
    truefalse = parts["truefalse"]
    ordering, items = parts["ordering"]
    matching, things = parts["matching"]
    scenario, choice = parts["scenario"]
    return {
        single.pk: str(right.pk),
        multiple.pk: [str(o.pk) for o in options if o.is_correct],
        truefalse.pk: "true",
        ordering.pk: [o.pk for o in items],
        matching.pk: {str(o.pk): o.category for o in things},
        scenario.pk: {"p1": str(choice["p1_good"].pk), "p2": str(choice["p2_good"].pk)},
    }


def ready_learner(quiz) -> tuple:
    """A learner who finished every lesson, with an open attempt: passing it completes the curriculum."""
    user = UserFactory()
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        LessonProgress(user=user, lesson=lesson, started_at=now, last_viewed_at=now, completed_at=now)
        for lesson in quiz.curriculum.lessons()
    )
    return user, start_attempt(user=user, quiz=quiz)


def test_two_concurrent_submissions_of_one_attempt_are_counted_once():
    assert connection.vendor == "postgresql"
    for _ in range(ROUNDS):
        quiz, parts = full_quiz()
        user, attempt = ready_learner(quiz)
        answers = perfect_answers(parts)

        results = together(submission(attempt.pk, answers), submission(attempt.pk, answers))

        winners = [r for r in results if isinstance(r, Attempt)]
        refused = [r for r in results if isinstance(r, AttemptRefused)]
        assert len(winners) == 1 and len(refused) == 1, results
        stored = Attempt.objects.get(pk=attempt.pk)
        assert stored.submitted_at is not None and stored.passed and stored.score == 100
        assert Attempt.objects.filter(user=user, quiz=quiz).count() == 1
        assert Response.objects.filter(attempt=attempt).count() == len(attempt.question_ids)
        assert CurriculumCompletion.objects.filter(user=user, curriculum=quiz.curriculum).count() == 1
        assert Certificate.objects.filter(user=user).count() == 1


def test_a_failing_and_a_passing_submission_racing_keep_one_consistent_score():
    """Whichever submission wins, the stored score, the responses and the completion agree with it."""
    for _ in range(ROUNDS):
        quiz, parts = full_quiz()
        user, attempt = ready_learner(quiz)
        answers = perfect_answers(parts)

        results = together(submission(attempt.pk, {}), submission(attempt.pk, answers))

        winners = [r for r in results if isinstance(r, Attempt)]
        assert len(winners) == 1 and sum(isinstance(r, AttemptRefused) for r in results) == 1, results
        stored = Attempt.objects.get(pk=attempt.pk)
        assert stored.score == winners[0].score and stored.passed == winners[0].passed
        total = sum(r.score for r in Response.objects.filter(attempt=attempt))
        assert round(100 * total / len(attempt.question_ids), 2) == float(stored.score)
        completions = CurriculumCompletion.objects.filter(user=user, curriculum=quiz.curriculum).count()
        assert completions == (1 if stored.passed else 0)
