"""Celery beat jobs for reminders and for the dashboards' cache. Each calls one service; re-running is safe:
every reminder has a unique key, so a retry sends only what failed before, and warming only fills a cache."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import program_page, services, timelines


@shared_task(bind=True, max_retries=3, default_retry_delay=15 * 60)
def send_daily_reminders(self) -> int:
    run = services.send_daily_reminders()
    if run.failed:
        raise self.retry()
    return len(run.sent)


@shared_task(bind=True, max_retries=3, default_retry_delay=15 * 60)
def send_weekly_digests(self) -> int:
    run = services.send_weekly_digests()
    if run.failed:
        raise self.retry()
    return len(run.sent)


@shared_task
def warm_dashboards() -> int:
    """Nightly, after the assignment sync: large agencies' dashboards open warm on the first view of the day."""
    return timelines.warm_dashboards(min_staff=settings.COMPLIANCE_WARM_MIN_STAFF, today=timezone.localdate())


@shared_task
def warm_program_view() -> int:
    """Nightly, after the assignment sync: the program view for today opens warm, in every language
    (compliance.program_page)."""
    return program_page.warm_program_pages(today=timezone.localdate())


@shared_task(bind=True, max_retries=3, default_retry_delay=5 * 60)
def send_reminders_now(self, action_ids: list[int]) -> int:
    """The reminders someone sent from a staff list (queued through the outbox with their action)."""
    sent, failed = 0, False
    for action_id in action_ids:
        run = services.send_reminder_now(action_id=action_id)
        sent += len(run.sent)
        failed = failed or bool(run.failed)
    if failed:
        raise self.retry()
    return sent
