"""Attempts: start, save answers, submit. Scoring happens here on the server, never in the browser."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from curricula.completion import complete_if_done

from .models import Attempt, Question, Quiz, Response, attach_options


class AttemptRefused(Exception):
    """The learner may not start or change this attempt; the message says why, in plain words."""


@dataclass
class Eligibility:
    allowed: bool
    reason: str = ""
    attempts_used: int = 0
    wait_until: Any = None


def eligibility(*, user: AbstractBaseUser, quiz: Quiz, attempts: list[Attempt] | None = None) -> Eligibility:
    attempts = attempts if attempts is not None else list(Attempt.objects.filter(user=user, quiz=quiz))
    submitted = [a for a in attempts if a.submitted_at is not None]
    if quiz.max_attempts and len(submitted) >= quiz.max_attempts:
        return Eligibility(False, f"You have used all {quiz.max_attempts} attempts for this quiz.", len(submitted))
    if quiz.wait_minutes and submitted:
        last = max(a.submitted_at for a in submitted)
        wait_until = last + timedelta(minutes=quiz.wait_minutes)
        if timezone.now() < wait_until:
            return Eligibility(False, "Please wait before trying again.", len(submitted), wait_until)
    return Eligibility(True, attempts_used=len(submitted))


def questions_for(quiz: Quiz) -> list[Question]:
    return list(quiz.questions.all().order_by("sort_order", "id"))


@transaction.atomic
def start_attempt(*, user: AbstractBaseUser, quiz: Quiz, rng: random.Random | None = None) -> Attempt:
    """Return the open attempt, or start a new one: draw questions and shuffle options once, server side."""
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    check = eligibility(user=user, quiz=quiz)
    if not check.allowed:
        raise AttemptRefused(check.reason)
    rng = rng or random.SystemRandom()
    questions = questions_for(quiz)
    if quiz.draw_count and quiz.draw_count < len(questions):
        questions = sorted(rng.sample(questions, quiz.draw_count), key=lambda q: (q.sort_order, q.pk))
    question_ids = [q.pk for q in questions]
    option_orders: dict[str, list[int]] = {}
    if quiz.shuffle_options:
        from .models import Option

        by_question: dict[int, list[int]] = {}
        for option_id, question_id in Option.objects.filter(
            question_id__in=question_ids, part__isnull=True
        ).values_list("pk", "question_id"):
            by_question.setdefault(question_id, []).append(option_id)
        for question_id, ids in by_question.items():
            rng.shuffle(ids)
            option_orders[str(question_id)] = ids
    number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=number,
                question_ids=question_ids,
                option_orders=option_orders,
                started_at=timezone.now(),
            )
    except IntegrityError:
        # A double click started it twice: the other request won; use its attempt.
        return Attempt.objects.get(user=user, quiz=quiz, submitted_at__isnull=True)


def _attempt_questions(attempt: Attempt) -> dict[int, Question]:
    questions = attach_options(list(Question.objects.filter(pk__in=attempt.question_ids)))
    return {q.pk: q for q in questions}


def clean_answers(
    *, attempt: Attempt, raw_answers: dict[int, Any], questions: dict[int, Question] | None = None
) -> dict[int, Any]:
    """Every answer must belong to a question of this attempt and be a legal answer to it. One bad answer
    rejects the whole submission (ValidationError) and nothing is saved."""
    questions = questions if questions is not None else _attempt_questions(attempt)
    cleaned: dict[int, Any] = {}
    for question_id, raw in raw_answers.items():
        question = questions.get(question_id)
        if question is None:
            raise ValidationError("The form contained an answer to a question that is not in this attempt.")
        cleaned[question_id] = question.clean_answer(raw)
    return cleaned


@transaction.atomic
def save_answers(*, attempt: Attempt, raw_answers: dict[int, Any]) -> None:
    """Store answers without scoring (e.g. to move to the next part of a branching scenario)."""
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.submitted_at is not None:
        raise AttemptRefused("This attempt was already submitted; it cannot be changed.")
    cleaned = clean_answers(attempt=locked, raw_answers=raw_answers)
    existing = {r.question_id: r for r in Response.objects.filter(attempt=locked, question_id__in=cleaned)}
    new = []
    for question_id, answer in cleaned.items():
        if question_id in existing:
            response = existing[question_id]
            response.answer = answer
            response.save(update_fields=["answer", "saved_at"])
        else:
            new.append(Response(attempt=locked, question_id=question_id, answer=answer))
    Response.objects.bulk_create(new)


def submit_attempt(*, attempt: Attempt, raw_answers: dict[int, Any]) -> Attempt:
    """Score and close the attempt, exactly once. A second or replayed submission is refused and changes
    nothing. Passing the last required quiz completes the curriculum (and issues the certificate)."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise AttemptRefused("This attempt was already submitted. Your score was recorded once.")
        questions = _attempt_questions(locked)
        cleaned = clean_answers(attempt=locked, raw_answers=raw_answers, questions=questions)
        # Claim the attempt atomically: only one request can move submitted_at from NULL.
        now = timezone.now()
        claimed = Attempt.objects.filter(pk=locked.pk, submitted_at__isnull=True).update(submitted_at=now)
        if not claimed:
            raise AttemptRefused("This attempt was already submitted. Your score was recorded once.")
        saved = {r.question_id: r for r in Response.objects.filter(attempt=locked)}
        total = 0.0
        to_create, to_update = [], []
        for question_id in locked.question_ids:
            question = questions[question_id]
            if question_id in cleaned:
                answer = cleaned[question_id]
            elif question_id in saved:
                answer = saved[question_id].answer
            else:
                answer = None
            score = question.score(answer) if answer not in (None, [], {}) else 0.0
            total += score
            if question_id in saved:
                response = saved[question_id]
                response.answer, response.score = answer, score
                to_update.append(response)
            else:
                to_create.append(Response(attempt=locked, question_id=question_id, answer=answer, score=score))
        Response.objects.bulk_create(to_create)
        Response.objects.bulk_update(to_update, ["answer", "score"])
        percent = (
            Decimal(100 * total / len(locked.question_ids)).quantize(Decimal("0.01"))
            if locked.question_ids
            else Decimal(0)
        )
        locked.submitted_at = now
        locked.score = percent
        locked.passed = percent >= locked.quiz.pass_mark
        Attempt.objects.filter(pk=locked.pk).update(score=locked.score, passed=locked.passed)
    if locked.passed and locked.quiz.curriculum_id:
        complete_if_done(user=locked.user, curriculum=locked.quiz.curriculum)
    return locked
