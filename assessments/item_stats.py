"""The item analysis' statistics, kept current: each submitted attempt is folded into its quiz's sums once.

A fold (the Celery task `assessments.tasks.fold_item_statistics`, queued through the outbox when an attempt is
submitted, and swept every few minutes by beat) adds the attempt's responses to `QuizStatistics` and records
it in `CountedAttempt`, in one transaction under the statistics row's lock: an attempt is counted once however
often the task runs. A reader takes the kept sums and adds, in memory, every submitted attempt not yet folded,
so the page is exact whether or not the task has caught up (then it reads only the few new responses)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from .models import Attempt, Quiz, Response
from .stats_models import CountedAttempt, QuizStatistics

BATCH = 2000  # attempts folded per transaction: short locks, bounded memory
READ_TRIES = 3  # a reader whose kept sums changed under it (a fold committed) reads again


@dataclass
class Sums:
    """Per question: n and the sums of x, y, x², y², xy (x the item score, y the rest of the attempt's score),
    and how often each answer value was chosen. Every figure of the analysis follows from these."""

    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0
    chosen: Counter[Any] = field(default_factory=Counter)

    def add(self, x: float, y: float) -> None:
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.syy += y * y
        self.sxy += x * y

    def dump(self) -> list[Any]:
        return [
            self.n,
            self.sx,
            self.sy,
            self.sxx,
            self.syy,
            self.sxy,
            {json.dumps(k): v for k, v in self.chosen.items()},
        ]

    @classmethod
    def load(cls, data: list[Any]) -> Sums:
        n, sx, sy, sxx, syy, sxy, chosen = data
        return cls(n, sx, sy, sxx, syy, sxy, Counter({json.loads(k): v for k, v in chosen.items()}))


def chosen_values(answer: Any) -> Iterable[Any]:
    """The answer values counted as chosen: option ids (a list, or a matching's dict), or True/False."""
    if isinstance(answer, list):
        return [a for a in answer if isinstance(a, int)]
    if isinstance(answer, bool):
        return [answer]
    if isinstance(answer, dict):
        return [v for v in answer.values() if isinstance(v, int)]
    return []


def accumulate(rows: Iterable[tuple[int, int, float | None, Any]], sums: dict[int, Sums]) -> int:
    """Add responses (attempt id, question id, score, answer), grouped by attempt in any order, to `sums`.
    Returns the number of attempts they belong to. Each attempt's rest score needs all of its responses."""
    per_attempt: dict[int, dict[int, float]] = {}
    for attempt_id, question_id, score, answer in rows:
        per_attempt.setdefault(attempt_id, {})[question_id] = score or 0.0
        values = chosen_values(answer)
        if values:
            sums.setdefault(question_id, Sums()).chosen.update(values)
    for scores in per_attempt.values():
        total = sum(scores.values())
        for question_id, score in scores.items():
            sums.setdefault(question_id, Sums()).add(score, total - score)
    return len(per_attempt)


def _responses(attempts: QuerySet[Attempt]) -> Iterable[tuple[int, int, float | None, Any]]:
    return (
        Response.objects.filter(attempt__in=attempts)
        .values_list("attempt_id", "question_id", "score", "answer")
        .iterator(chunk_size=5000)
    )


def uncounted_attempts(*, quiz_id: int) -> QuerySet[Attempt]:
    """Submitted attempts of the quiz not yet folded into its statistics."""
    counted = CountedAttempt.objects.filter(attempt_id=OuterRef("pk"))
    return Attempt.objects.filter(quiz_id=quiz_id, submitted_at__isnull=False).filter(~Exists(counted))


def every_attempt_sums(*, quiz_id: int) -> tuple[int, dict[int, Sums]]:
    """(attempts, sums) from every response of every submitted attempt: the full computation, no kept state."""
    sums: dict[int, Sums] = {}
    attempts = accumulate(_responses(Attempt.objects.filter(quiz_id=quiz_id, submitted_at__isnull=False)), sums)
    return attempts, sums


def current_sums(*, quiz_id: int) -> tuple[int, dict[int, Sums]]:
    """(attempts, sums) over every submitted attempt now: the kept sums plus the attempts not folded yet. Exact:
    the kept row is read again after the new attempts; if a fold committed in between, everything is read again."""
    for _ in range(READ_TRIES):
        kept = QuizStatistics.objects.filter(quiz_id=quiz_id).values_list("version", "attempts", "items").first()
        sums = {int(k): Sums.load(v) for k, v in kept[2].items()} if kept else {}
        attempts = (kept[1] if kept else 0) + accumulate(_responses(uncounted_attempts(quiz_id=quiz_id)), sums)
        again = QuizStatistics.objects.filter(quiz_id=quiz_id).values_list("version", flat=True).first()
        if again == (kept[0] if kept else None):
            return attempts, sums
    return every_attempt_sums(quiz_id=quiz_id)


def fold_new_attempts(*, quiz_id: int, batch: int = BATCH) -> int:
    """Fold every submitted attempt of the quiz not counted yet into its statistics. Returns how many."""
    folded = 0
    while True:
        with transaction.atomic():
            QuizStatistics.objects.bulk_create([QuizStatistics(quiz_id=quiz_id)], ignore_conflicts=True)
            stats = QuizStatistics.objects.select_for_update().get(quiz_id=quiz_id)
            ids = list(uncounted_attempts(quiz_id=quiz_id).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return folded
            sums = {int(k): Sums.load(v) for k, v in stats.items.items()}
            stats.attempts += accumulate(_responses(Attempt.objects.filter(pk__in=ids)), sums)
            stats.items = {str(k): v.dump() for k, v in sums.items()}
            stats.version += 1
            stats.save()
            CountedAttempt.objects.bulk_create([CountedAttempt(attempt_id=pk, quiz_id=quiz_id) for pk in ids])
        folded += len(ids)


def fold_all_quizzes() -> int:
    """Fold every quiz's new attempts (the periodic sweep: catches anything the per-submission task missed)."""
    return sum(
        fold_new_attempts(quiz_id=quiz_id) for quiz_id in Quiz.objects.order_by("pk").values_list("pk", flat=True)
    )
