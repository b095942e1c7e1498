"""Celery tasks for agencies. Each takes ids, loads rows, calls one service, and owns its retry policy.

Tasks call down into ``emails`` and ``invitations``; those modules queue a task by its name through the outbox
and never import this module, so there is no import cycle between tasks and services.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .emails import send_set_password_emails as send_set_password
from .invitations import send_invitation_emails as send_invitations
from .models import StaffInvitation


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_set_password_emails(self, user_ids: list[int]) -> int:
    """Email new accounts their set-password link; a retry skips anyone who has set a password since."""
    users = list(get_user_model().objects.filter(pk__in=user_ids).order_by("pk"))
    try:
        return send_set_password(users=users)
    except OSError as exc:  # SMTP and socket failures
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_invitation_emails(self, invitation_ids: list[int]) -> int:
    """Email invited people their link to accept; a retry skips invitations accepted or cancelled since."""
    invitations = list(StaffInvitation.objects.filter(pk__in=invitation_ids).select_related("agency").order_by("pk"))
    try:
        return send_invitations(invitations=invitations)
    except OSError as exc:  # SMTP and socket failures
        raise self.retry(exc=exc) from exc
