"""Item analysis (in the manner of Moodle's quiz statistics): facility, discrimination, option counts.

Streams responses once, in a fixed number of queries however many attempts there are."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext

from config.gcpause import collector_paused

from .models import Question, Quiz, Response, ScenarioQuestion, TrueFalseQuestion, attach_options


@dataclass
class ItemStats:
    question: Question
    responses: int = 0
    facility: float | None = None  # mean score, 0..1
    discrimination: float | None = None  # correlation of item score with the rest of the test
    option_counts: list[tuple[str, int, bool]] = field(default_factory=list)  # (label, times chosen, correct)
    flags: list[str] = field(default_factory=list)  # why the item looks weak, once it has enough responses


# Thresholds for flagging an item (the usual classical test theory rules of thumb).
MIN_RESPONSES = 30
FACILITY_RANGE = (0.2, 0.9)
MIN_DISCRIMINATION = 0.2


def weak_item_flags(item: ItemStats) -> list[str]:
    """Plain-language reasons an item needs an author's look; none below MIN_RESPONSES (too few to tell)."""
    if item.responses < MIN_RESPONSES:
        return []
    flags = []
    low, high = FACILITY_RANGE
    if item.facility is not None and item.facility < low:
        flags.append(
            gettext("Too hard: facility %(facility)s is below %(low)s (check the key and the wording).")
            % {"facility": f"{item.facility:.2f}", "low": low}
        )
    if item.facility is not None and item.facility > high:
        flags.append(
            gettext("Too easy: facility %(facility)s is above %(high)s.")
            % {"facility": f"{item.facility:.2f}", "high": high}
        )
    if item.discrimination is None or item.discrimination < MIN_DISCRIMINATION:
        shown = gettext("not measurable") if item.discrimination is None else f"{item.discrimination:.2f}"
        flags.append(
            gettext(
                "Weak discrimination (%(shown)s, under %(minimum)s): it does not separate stronger from "
                "weaker learners."
            )
            % {"shown": shown, "minimum": MIN_DISCRIMINATION}
        )
    unused = [label for label, count, correct in item.option_counts if not correct and count == 0]
    if unused:
        flags.append(gettext("A distractor nobody picks: %(options)s.") % {"options": "; ".join(unused)})
    return flags


def _pearson(pairs: list[tuple[float, float]]) -> float | None:
    n = len(pairs)
    if n < 3:
        return None
    sum_x = sum_y = sum_xx = sum_yy = sum_xy = 0.0
    for x, y in pairs:  # one pass: this runs over every response of a quiz
        sum_x += x
        sum_y += y
        sum_xx += x * x
        sum_yy += y * y
        sum_xy += x * y
    sxx = sum_xx - sum_x * sum_x / n
    syy = sum_yy - sum_y * sum_y / n
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return (sum_xy - sum_x * sum_y / n) / math.sqrt(sxx * syy)


def item_analysis(quiz: Quiz) -> tuple[int, list[ItemStats]]:
    """Returns (number of submitted attempts, per-question statistics in quiz order)."""
    with collector_paused():
        return _analyse(quiz)


def _analyse(quiz: Quiz) -> tuple[int, list[ItemStats]]:
    questions = attach_options(list(quiz.questions.all().order_by("sort_order", "id")))
    rows = (
        Response.objects.filter(attempt__quiz=quiz, attempt__submitted_at__isnull=False)
        .values_list("attempt_id", "question_id", "score", "answer")
        .iterator(chunk_size=5000)
    )
    per_attempt: dict[int, dict[int, float]] = defaultdict(dict)
    chosen: dict[int, Counter] = defaultdict(Counter)
    for attempt_id, question_id, score, answer in rows:
        per_attempt[attempt_id][question_id] = score or 0.0
        if isinstance(answer, list):
            chosen[question_id].update(a for a in answer if isinstance(a, int))
        elif isinstance(answer, bool):
            chosen[question_id][answer] += 1
        elif isinstance(answer, dict):
            chosen[question_id].update(v for v in answer.values() if isinstance(v, int))
    # (item score, rest-of-test score) per question, in one pass over the attempts.
    pairs_by_question: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for scores in per_attempt.values():
        total = sum(scores.values())
        for question_id, score in scores.items():
            pairs_by_question[question_id].append((score, total - score))
    stats = []
    for question in questions:
        item = ItemStats(question=question)
        pairs = pairs_by_question.get(question.pk, [])
        item.responses = len(pairs)
        if pairs:
            item.facility = sum(x for x, _ in pairs) / len(pairs)
            item.discrimination = _pearson(pairs)
        counts = chosen[question.pk]
        if isinstance(question, TrueFalseQuestion):
            item.option_counts = [
                ("True", counts[True], question.correct_answer is True),
                ("False", counts[False], question.correct_answer is False),
            ]
        elif isinstance(question, ScenarioQuestion):
            item.option_counts = [
                (f"{part.key}: {o.text}", counts[o.pk], o.is_correct)
                for part in question.ordered_parts()
                for o in part.option_list()
            ]
        elif question.option_list() and not question.option_list()[0].category:
            item.option_counts = [(o.text, counts[o.pk], o.is_correct) for o in question.option_list()]
        item.flags = weak_item_flags(item)
        stats.append(item)
    return len(per_attempt), stats
