"""Attempts: start, save answers, submit. Scoring happens here on the server, never in the browser."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from curricula.completion import complete_if_done
from outbox.services import enqueue

from .models import (
    Attempt,
    MatchingQuestion,
    Option,
    Question,
    Quiz,
    Response,
    ScenarioQuestion,
    attach_options,
    load_questions,
)


class AttemptRefused(Exception):
    """The learner may not start or change this attempt; the message says why, in plain words."""


@dataclass
class Eligibility:
    """Whether the learner may start an attempt now, and what the quiz pages tell them about it."""

    allowed: bool
    reason: str = ""
    attempts_used: int = 0
    attempts_left: int | None = None  # None: no limit
    wait_until: datetime | None = None  # the next attempt opens then (a wait is running)


def _current_series(attempts: list[Attempt]) -> list[Attempt]:
    """Submitted attempts since the learner's last pass. A pass closes a series: a recertification
    cycle starts with the full number of attempts again."""
    submitted = sorted(
        (a for a in attempts if a.submitted_at is not None), key=lambda a: cast(datetime, a.submitted_at)
    )
    last_pass = max((i for i, a in enumerate(submitted) if a.passed), default=-1)
    return submitted[last_pass + 1 :]


def next_opening(*, series: list[Attempt], wait_minutes: int, wait_after_failures: int) -> datetime | None:
    """When the next attempt may start under the wait rule, or None when no wait applies. The wait
    starts once the learner has failed `wait_after_failures` attempts in this series (at least one)."""
    failures = [a for a in series if not a.passed]
    if not wait_minutes or not failures or len(failures) < max(1, wait_after_failures):
        return None
    return max(cast(datetime, a.submitted_at) for a in failures) + timedelta(minutes=wait_minutes)  # series: submitted


def eligibility(
    *, user: User, quiz: Quiz, attempts: list[Attempt] | None = None, now: datetime | None = None
) -> Eligibility:
    """The attempts limit and wait rule of the quiz as it is now, for starting a new attempt."""
    attempts = attempts if attempts is not None else list(Attempt.objects.filter(user=user, quiz=quiz))
    now = now or timezone.now()
    series = _current_series(attempts)
    used = len(series)
    left = max(0, quiz.max_attempts - used) if quiz.max_attempts else None
    if left == 0:
        return Eligibility(
            False,
            _("You have used all %(count)d attempts for this quiz.") % {"count": quiz.max_attempts},
            used,
            attempts_left=0,
        )
    wait_until = next_opening(
        series=series, wait_minutes=quiz.wait_minutes, wait_after_failures=quiz.wait_after_failures
    )
    if wait_until is not None and now < wait_until:
        local = timezone.localtime(wait_until)
        return Eligibility(
            False,
            _("Please wait before trying again: your next attempt opens on %(when)s.")
            % {"when": dateformat.format(local, pgettext("when the next attempt opens", "l F j, Y \\a\\t g:i A (T)"))},
            used,
            attempts_left=left,
            wait_until=wait_until,
        )
    return Eligibility(True, attempts_used=used, attempts_left=left)


def questions_for(quiz: Quiz) -> list[Question]:
    """The bank an attempt draws from: every item not retired."""
    return list(quiz.questions.filter(retired=False).order_by("sort_order", "id"))


def draw_questions(
    *,
    questions: list[Question],
    competencies: list[int],
    count: int,
    seen: set[int],
    rng: random.Random,
) -> list[Question]:
    """A stratified draw: at least one item of every competency the curriculum claims, then the rest at
    random; within each step, items the learner did not see in their previous attempt come first.
    `count` 0 (or at least the bank) means every question. Returned in bank order."""
    if not count or count >= len(questions):
        return list(questions)

    def pick(pool: list[Question], n: int) -> list[Question]:
        fresh = [q for q in pool if q.pk not in seen]
        stale = [q for q in pool if q.pk in seen]
        rng.shuffle(fresh)
        rng.shuffle(stale)
        return (fresh + stale)[:n]

    chosen: list[Question] = []
    by_competency: dict[int | None, list[Question]] = {}
    for question in questions:
        by_competency.setdefault(question.competency_id, []).append(question)
    strata = [c for c in competencies if by_competency.get(c)]
    rng.shuffle(strata)  # if the draw is smaller than the strata (a misconfigured quiz), vary which are left out
    for competency in strata[:count]:
        chosen += pick(by_competency[competency], 1)
    taken = {q.pk for q in chosen}
    chosen += pick([q for q in questions if q.pk not in taken], count - len(chosen))
    position = {q.pk: i for i, q in enumerate(questions)}
    return sorted(chosen, key=lambda q: position[q.pk])


@transaction.atomic
def start_attempt(*, user: User, quiz: Quiz, rng: random.Random | None = None) -> Attempt:
    """Return the open attempt, or start a new one: draw questions and shuffle options once, server side,
    and copy the quiz's rules onto the attempt (it is governed by the policy it started under)."""
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    if not quiz_is_open(quiz):
        raise AttemptRefused(CLOSED_MESSAGE)
    previous = list(Attempt.objects.filter(user=user, quiz=quiz))
    check = eligibility(user=user, quiz=quiz, attempts=previous)
    if not check.allowed:
        raise AttemptRefused(check.reason)
    rng = rng or random.SystemRandom()
    latest = max(previous, key=lambda a: a.number, default=None)
    competencies = (
        list(quiz.curriculum.competencies.values_list("pk", flat=True)) if quiz.curriculum is not None else []
    )
    questions = draw_questions(
        questions=questions_for(quiz),
        competencies=competencies,
        count=quiz.draw_count,
        seen=set(latest.question_ids) if latest else set(),
        rng=rng,
    )
    question_ids = [q.pk for q in questions]
    option_orders: dict[str, list[int]] = {}
    if quiz.shuffle_options:
        by_question: dict[int, list[int]] = {}
        for option_id, question_id in Option.objects.filter(
            question_id__in=question_ids, part__isnull=True
        ).values_list("pk", "question_id"):
            by_question.setdefault(question_id, []).append(option_id)
        for question_id, ids in by_question.items():
            rng.shuffle(ids)
            option_orders[str(question_id)] = ids
    number = max((a.number for a in previous), default=0) + 1
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=number,
                question_ids=question_ids,
                option_orders=option_orders,
                started_at=timezone.now(),
                policy=quiz.policy(),
                language=(translation.get_language() or "")[:8],  # the language it is taken in, for analysis
            )
    except IntegrityError:
        # A double click started it twice: the other request won; use its attempt.
        return Attempt.objects.get(user=user, quiz=quiz, submitted_at__isnull=True)


CLOSED_MESSAGE = gettext_lazy(
    "This quiz has been withdrawn by the training coordinators: your attempt was not scored and does not count "
    "toward your attempts. Your answers are kept."
)


def quiz_is_open(quiz: Quiz) -> bool:
    """A deactivated quiz, or one whose curriculum is unpublished, takes no attempt and scores none."""
    if not quiz.active:
        return False
    return quiz.curriculum is None or bool(quiz.curriculum.live)


def _attempt_questions(attempt: Attempt) -> dict[int, Question]:
    questions = attach_options(load_questions(attempt.question_ids))
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
            raise ValidationError(_("The form contained an answer to a question that is not in this attempt."))
        cleaned[question_id] = question.clean_answer(raw)
    return cleaned


@transaction.atomic
def save_answers(*, attempt: Attempt, raw_answers: dict[int, Any]) -> None:
    """Store answers without scoring (e.g. to move to the next part of a branching scenario)."""
    locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz__curriculum").get(pk=attempt.pk)
    if locked.submitted_at is not None:
        raise AttemptRefused(_("This attempt was already submitted; it cannot be changed."))
    if not quiz_is_open(locked.quiz):
        raise AttemptRefused(CLOSED_MESSAGE)
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


def is_answered(question: Question, answer: Any) -> bool:
    """Whether a learner gave a complete answer: every item placed, every part on their path chosen."""
    if answer in (None, [], {}):
        return False
    if isinstance(question, MatchingQuestion):
        return len(answer) >= len(question.option_list())
    if isinstance(question, ScenarioQuestion):
        path = question.path(answer)
        return bool(path) and path[-1][1] is not None
    return True


def unanswered_numbers(*, attempt: Attempt, raw_answers: dict[int, Any]) -> list[int]:
    """Question numbers (1-based, as shown) left unanswered or incomplete, counting the answers just posted
    and those saved before. Raises ValidationError on an illegal answer, like submitting would."""
    questions = _attempt_questions(attempt)
    cleaned = clean_answers(attempt=attempt, raw_answers=raw_answers, questions=questions)
    saved = dict(Response.objects.filter(attempt=attempt).values_list("question_id", "answer"))
    missing = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        answer = cleaned[question_id] if question_id in cleaned else saved.get(question_id)
        if question_id in questions and not is_answered(questions[question_id], answer):
            missing.append(number)
    return missing


def submit_attempt(*, attempt: Attempt, raw_answers: dict[int, Any]) -> Attempt:
    """Score and close the attempt, exactly once. A second or replayed submission is refused and changes
    nothing; a withdrawn quiz refuses it and scores nothing. The attempt is scored and judged under the
    policy it started under. Passing the last required quiz completes the curriculum (and issues the
    certificate)."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz__curriculum").get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise AttemptRefused(_("This attempt was already submitted. Your score was recorded once."))
        if not quiz_is_open(locked.quiz):
            raise AttemptRefused(CLOSED_MESSAGE)
        rules = locked.rules()
        questions = _attempt_questions(locked)
        cleaned = clean_answers(attempt=locked, raw_answers=raw_answers, questions=questions)
        # Claim the attempt atomically: only one request can move submitted_at from NULL.
        now = timezone.now()
        claimed = Attempt.objects.filter(pk=locked.pk, submitted_at__isnull=True).update(submitted_at=now)
        if not claimed:
            raise AttemptRefused(_("This attempt was already submitted. Your score was recorded once."))
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
        locked.passed = percent >= rules["pass_mark"]
        if not locked.passed and rules["max_attempts"]:
            series = _current_series(list(Attempt.objects.filter(user_id=locked.user_id, quiz_id=locked.quiz_id)))
            locked.was_last = len(series) >= rules["max_attempts"]
        Attempt.objects.filter(pk=locked.pk).update(score=locked.score, passed=locked.passed, was_last=locked.was_last)
        # The item analysis' statistics: this attempt is folded into its quiz's sums (assessments.item_stats).
        enqueue(task="assessments.tasks.fold_item_statistics", args=[locked.quiz_id])
    if locked.passed and locked.quiz.curriculum is not None:
        complete_if_done(user=locked.user, curriculum=locked.quiz.curriculum)
    return locked
