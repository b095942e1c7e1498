"""The one nightly re-derivation of assignments from mandates (Celery beat, `sync-assignments-nightly`), so
nothing depends on a roster edit having triggered it. It also creates recertification assignments."""

from celery import shared_task

from .services import sync_assignments


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def sync_all_assignments() -> dict[str, int]:
    result = sync_assignments()
    return {"created": len(result.created), "withdrawn": len(result.withdrawn)}
