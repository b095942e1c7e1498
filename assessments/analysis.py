"""Item analysis (in the manner of Moodle's quiz statistics): facility, discrimination, option counts.

Streams responses once, in a fixed number of queries however many attempts there are."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .models import Question, Quiz, Response, ScenarioQuestion, TrueFalseQuestion, attach_options


@dataclass
class ItemStats:
    question: Question
    responses: int = 0
    facility: float | None = None  # mean score, 0..1
    discrimination: float | None = None  # correlation of item score with the rest of the test
    option_counts: list[tuple[str, int, bool]] = field(default_factory=list)  # (label, times chosen, correct)


def _pearson(pairs: list[tuple[float, float]]) -> float | None:
    n = len(pairs)
    if n < 3:
        return None
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    return sxy / math.sqrt(sxx * syy)


def item_analysis(quiz: Quiz) -> tuple[int, list[ItemStats]]:
    """Returns (number of submitted attempts, per-question statistics in quiz order)."""
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
    totals = {attempt_id: sum(scores.values()) for attempt_id, scores in per_attempt.items()}
    stats = []
    for question in questions:
        item = ItemStats(question=question)
        pairs = [
            (scores[question.pk], totals[attempt_id] - scores[question.pk])
            for attempt_id, scores in per_attempt.items()
            if question.pk in scores
        ]
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
        stats.append(item)
    return len(per_attempt), stats
