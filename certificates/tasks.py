"""Celery tasks for certificates. Each takes ids, loads rows, calls one service, owns its retries.

Recertification assignments come from the one nightly assignment sync (`curricula.tasks.sync_all_assignments`),
not from a task of their own here."""

from __future__ import annotations

from celery import shared_task

from . import rendering
from .models import Certificate
from .queries import pending_render_ids
from .services import record_render_failure, send_issued_email


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def render_certificate_pdf(self, certificate_id: int) -> None:
    """Render one PDF. A failure is counted and logged, then retried with backoff; the record stays."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.rendered_at is not None:
        return
    try:
        rendering.render_and_store(certificate)
    except Exception as exc:
        record_render_failure(certificate_id=certificate_id, error=exc)
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task
def render_pending() -> int:
    """Beat sweep (every 10 minutes): queue a render for every certificate still without a PDF."""
    ids = pending_render_ids()
    for certificate_id in ids:
        render_certificate_pdf.delay(certificate_id)
    return len(ids)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def email_certificate_issued(certificate_id: int) -> bool:
    return send_issued_email(certificate_id=certificate_id)
