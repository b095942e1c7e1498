"""Celery jobs of the assessments app: keeping the item analysis' statistics current. Re-running is safe: an
attempt is folded into its quiz's sums once (`item_stats`)."""

from celery import shared_task

from . import item_stats


@shared_task
def fold_item_statistics(quiz_id: int) -> int:
    """After a submission (queued through the outbox): fold the quiz's new attempts into its statistics."""
    return item_stats.fold_new_attempts(quiz_id=quiz_id)


@shared_task
def fold_all_item_statistics() -> int:
    """Every few minutes (beat): fold whatever a per-submission task has not, e.g. attempts written in bulk."""
    return item_stats.fold_all_quizzes()
