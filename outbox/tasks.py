"""Beat sweep for the outbox."""

from celery import shared_task

from .services import dispatch_pending as sweep


@shared_task
def dispatch_pending() -> int:
    """Every minute: hand over again what the broker never took or what never finished (lost messages)."""
    return sweep()
