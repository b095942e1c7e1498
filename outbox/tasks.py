"""Beat sweep for the outbox."""

from celery import shared_task


@shared_task
def dispatch_pending() -> int:
    """Every minute: hand over again what the broker never took or what never finished (lost messages)."""
    from .services import dispatch_pending as sweep

    return sweep()
