"""Builders for competency evidence: a quiz whose items assess framework competencies, and submitted attempts
with chosen item scores (rows written directly: the scoring itself is tested in tests/assessments)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

from django.utils import timezone

from assessments.models import Attempt, Question, Quiz, Response, SingleChoiceQuestion
from competencies.models import Competency
from tests.factories import make_curriculum

_numbers = itertools.count(1)


def competency(code: str) -> Competency:
    return Competency.objects.get(code=code)


def quiz_with_items(
    *, codes: dict[str, int], recertification_months: int = 24
) -> tuple[Quiz, dict[str, list[Question]]]:
    """A quiz on a new curriculum claiming the given framework competencies, `codes[code]` items each."""
    curriculum = make_curriculum(recertification_months=recertification_months)
    claimed = [competency(code) for code in codes]
    curriculum.competencies.set(claimed)
    curriculum.save_revision().publish()
    quiz = Quiz.objects.create(
        key=f"evidence-{next(_numbers)}", title=f"Quiz on {curriculum.code}", curriculum=curriculum
    )
    items: dict[str, list[Question]] = {}
    for c in claimed:
        for n in range(codes[c.code]):
            items.setdefault(c.code, []).append(
                SingleChoiceQuestion.objects.create(
                    quiz=quiz, key=f"{c.code.lower()}-{n}", text=f"About {c.code}", competency=c
                )
            )
    return quiz, items


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def attempt(user, quiz: Quiz, scores: dict[Question, float], *, on: date, passed: bool = True) -> Attempt:
    """A submitted attempt that drew exactly these items, with these scores."""
    number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
    row = Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        question_ids=[q.pk for q in scores],
        started_at=at(on),
        submitted_at=at(on),
        score=100 if passed else 40,
        passed=passed,
    )
    Response.objects.bulk_create(Response(attempt=row, question=q, answer=None, score=s) for q, s in scores.items())
    return row
