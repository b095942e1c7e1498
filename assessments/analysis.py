"""Item analysis (in the manner of Moodle's quiz statistics): facility, discrimination, option counts.

Computed from sums a Celery task keeps per quiz (`item_stats`), plus the attempts not folded in yet: a fixed
number of queries, and only the newest responses read, however many attempts there are."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext

from config.gcpause import collector_paused

from .item_stats import Sums, current_sums, every_attempt_sums
from .models import Question, Quiz, ScenarioQuestion, TrueFalseQuestion, attach_options


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


def pearson_from_sums(n: int, sum_x: float, sum_y: float, sum_xx: float, sum_yy: float, sum_xy: float) -> float | None:
    """Pearson's r from the sums (kept by `item_stats`, so a new attempt adds to them without a re-read)."""
    if n < 3:
        return None
    sxx = sum_xx - sum_x * sum_x / n
    syy = sum_yy - sum_y * sum_y / n
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return (sum_xy - sum_x * sum_y / n) / math.sqrt(sxx * syy)


def item_analysis(quiz: Quiz) -> tuple[int, list[ItemStats]]:
    """Returns (number of submitted attempts, per-question statistics in quiz order), from the kept statistics
    plus any attempt not folded into them yet: the same figures as reading every response."""
    with collector_paused():
        return build_item_stats(quiz, *current_sums(quiz_id=quiz.pk))


def item_analysis_from_every_response(quiz: Quiz) -> tuple[int, list[ItemStats]]:
    """`item_analysis` computed by reading every response of every submitted attempt (no kept statistics)."""
    with collector_paused():
        return build_item_stats(quiz, *every_attempt_sums(quiz_id=quiz.pk))


def build_item_stats(quiz: Quiz, attempts: int, sums: dict[int, Sums]) -> tuple[int, list[ItemStats]]:
    """Every question's figures from its sums. Both languages of a question are one row: pooled by construction."""
    questions = attach_options(list(quiz.questions.all().order_by("sort_order", "id")))
    stats = []
    for question in questions:
        item = ItemStats(question=question)
        found = sums.get(question.pk) or Sums()
        item.responses = found.n
        if found.n:
            item.facility = found.sx / found.n
            item.discrimination = pearson_from_sums(found.n, found.sx, found.sy, found.sxx, found.syy, found.sxy)
        counts = found.chosen
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
    return attempts, stats
