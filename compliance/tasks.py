"""Celery beat jobs for reminders. Each calls one service; re-running is safe because every reminder has a
unique key, so a retry sends only what failed before."""

from celery import shared_task

from . import services


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
