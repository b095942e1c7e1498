"""A task that came from the outbox carries the row id in a message header; its outcome is written back."""

from __future__ import annotations

from celery.signals import task_failure, task_retry, task_success

from .services import HEADER, mark_done, record_error


def _pending_id(request) -> int | None:
    if request is None:
        return None
    headers = getattr(request, "headers", None) or {}
    value = headers.get(HEADER, getattr(request, HEADER, None))
    return int(value) if value is not None else None


@task_success.connect
def _done(sender=None, **kwargs) -> None:
    pending_id = _pending_id(getattr(sender, "request", None))
    if pending_id is not None:
        mark_done(pending_id=pending_id)


@task_retry.connect
def _retrying(sender=None, request=None, reason=None, **kwargs) -> None:
    pending_id = _pending_id(request)
    if pending_id is not None:
        record_error(pending_id=pending_id, error=f"retrying: {reason}", retrying=True)


@task_failure.connect
def _failed(sender=None, exception=None, **kwargs) -> None:
    pending_id = _pending_id(getattr(sender, "request", None))
    if pending_id is not None:
        record_error(pending_id=pending_id, error=f"failed: {exception!r}", retrying=False)
