"""The one way a change asks for a side effect: `enqueue` records it inside the change's transaction and
hands it to Celery after commit. A broker that is down, a Redis that restarts empty, or a worker killed
mid-task loses nothing: the row stays pending and `dispatch_pending` (Celery beat) hands it over again."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from importlib import import_module

from celery import Task
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.celery import app

from .models import PendingTask

logger = logging.getLogger("cmtp.outbox")

# Never handed over (the broker refused, or the process died between commit and hand-over): retried by the
# next sweep once the request that wrote it has had time to hand it over itself.
SETTLE = timedelta(minutes=1)
# Handed over but not done: the message may be gone (Redis restarted without persistence, a worker was
# killed). Longer than the longest wait a task spends between its own retries (10 minutes), so a sweep does
# not duplicate a task that is only waiting to retry; a retry restarts the clock.
GRACE = timedelta(minutes=15)
# After this many hand-overs the row is left for a person to look at (it stays, with its last error).
MAX_ATTEMPTS = 10

HEADER = "outbox_id"


def enqueue(*, task: str, args: Sequence[object] = (), key: str | None = None) -> PendingTask:
    """Record a side effect of the current transaction; after commit, hand it to the broker.
    Call it inside the transaction that makes the change: if that rolls back, nothing is sent."""
    if key is not None:
        row, created = PendingTask.objects.get_or_create(key=key, defaults={"task": task, "args": list(args)})
        if not created:
            return row
    else:
        row = PendingTask.objects.create(task=task, args=list(args))
    transaction.on_commit(partial(dispatch, pending_id=row.pk), robust=True)
    return row


def enqueue_many(*, task: str, args_list: Sequence[Sequence[object]]) -> list[PendingTask]:
    """`enqueue` for many runs of one task (e.g. one per batch of emails), in one INSERT, so a bulk change
    keeps a query count that does not grow with its size."""
    rows = PendingTask.objects.bulk_create([PendingTask(task=task, args=list(args)) for args in args_list])

    def hand_over() -> None:
        for row in rows:
            dispatch(pending_id=row.pk)

    if rows:
        transaction.on_commit(hand_over, robust=True)
    return rows


def _task(name: str) -> Task:
    """The task on the project's Celery app (not Celery's "current" app, which a test worker or another
    library may have switched)."""
    if name not in app.tasks:
        import_module(name.rsplit(".", 1)[0])  # registers the shared task
    return app.tasks[name]


def dispatch(*, pending_id: int) -> bool:
    """Hand one pending row to the broker. Never raises: a broker error is logged and kept on the row,
    and the sweep tries again, so the request that committed the change still answers success."""
    now = timezone.now()
    if not PendingTask.objects.filter(pk=pending_id, done_at__isnull=True).update(
        queued_at=now, attempts=F("attempts") + 1
    ):
        return False
    row = PendingTask.objects.get(pk=pending_id)
    try:
        _task(row.task).apply_async(args=row.args, headers={HEADER: row.pk})
    except Exception as exc:  # noqa: BLE001 - kombu/redis errors vary; all mean "not handed over"
        logger.warning(
            "outbox: broker refused %s (%s: %s), will retry",
            row,
            exc.__class__.__name__,
            exc,
            extra={"task": row.task, "error": exc.__class__.__name__},
        )
        PendingTask.objects.filter(pk=row.pk, done_at__isnull=True).update(
            queued_at=None, last_error=f"not queued: {exc.__class__.__name__}: {exc}"[:1000]
        )
        return False
    return True


def dispatch_pending(*, settle: timedelta = SETTLE, grace: timedelta = GRACE, limit: int = 500) -> int:
    """Hand over again every row not done in time (see SETTLE and GRACE); oldest first. Returns how many
    the broker accepted."""
    now = timezone.now()
    due = (
        PendingTask.objects.filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(queued_at__isnull=True, created_at__lte=now - settle) | Q(queued_at__lte=now - grace))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pending_id in list(due):
        sent += dispatch(pending_id=pending_id)
    stuck = PendingTask.objects.filter(done_at__isnull=True, attempts__gte=MAX_ATTEMPTS).count()
    if stuck:
        logger.error("outbox: %d side effects gave up after %d attempts", stuck, MAX_ATTEMPTS)
    return sent


def mark_done(*, pending_id: int) -> None:
    PendingTask.objects.filter(pk=pending_id, done_at__isnull=True).update(done_at=timezone.now(), last_error="")


def record_error(*, pending_id: int, error: BaseException | str, retrying: bool) -> None:
    """A retry restarts the grace clock (the task is queued again, with a countdown); a final failure keeps
    the row pending for the sweep."""
    fields: dict[str, object] = {"last_error": str(error)[:1000]}
    if retrying:
        fields["queued_at"] = timezone.now()
    PendingTask.objects.filter(pk=pending_id, done_at__isnull=True).update(**fields)
