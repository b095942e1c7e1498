"""Nightly re-derivation of assignments from mandates (Celery beat), so nothing depends on a roster edit
having triggered it."""

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def sync_all_assignments() -> dict[str, int]:
    from .services import sync_assignments

    result = sync_assignments()
    return {"created": len(result.created), "withdrawn": len(result.withdrawn)}
