"""Celery tasks for certificates. Each takes ids, loads rows, calls one service, owns its retries."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def render_certificate_pdf(self, certificate_id: int) -> None:
    from .models import Certificate
    from .rendering import render_and_store

    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.rendered_at is not None:
        return
    try:
        render_and_store(certificate)
    except Exception as exc:
        Certificate.objects.filter(pk=certificate_id).update(render_failures=certificate.render_failures + 1)
        raise self.retry(exc=exc) from exc
