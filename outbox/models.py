"""One row per side effect a committed change owes the world (an email, a PDF, a re-derivation)."""

from django.db import models
from django.utils import timezone


class PendingTask(models.Model):
    """Written in the same transaction as the change that needs it, so a committed change always has a
    record of what is still to be done, whatever happens to the broker or the worker afterwards. The task
    run marks it done; until then the outbox sweep hands it to the broker again."""

    task = models.CharField(max_length=200, help_text="Dotted name of the Celery task.")
    args = models.JSONField(default=list, blank=True)
    key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="Recording the same key twice is a no-op."
    )
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the broker accepted it; empty when it never did."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times it was handed to the broker.")
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(done_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
