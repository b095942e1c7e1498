"""A worker SIGKILLed in the middle of a task (OOM killer, lost machine): the task is handed out again after
the broker's visibility timeout and a new worker completes it; the email is sent, not lost (issue 14).

Real Celery worker subprocesses (production settings) on our own Redis; PostgreSQL, because a worker in
another process must see the test's database."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from certificates.models import Certificate
from curricula.completion import record_lesson_completion
from tests.factories import UserFactory, make_curriculum

from .conftest import wait_for
from .mail import sent_to

pytestmark = [
    pytest.mark.redis_fault,
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

VISIBILITY_TIMEOUT = 4  # seconds; production uses 30 minutes (CELERY_VISIBILITY_TIMEOUT)
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "--hostname", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.handle.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.handle.close()


def test_a_worker_killed_mid_email_leaves_it_to_the_next_worker(celery_broker, tmp_path):
    mail_dir, media = tmp_path / "mail", tmp_path / "media"
    mail_dir.mkdir()
    stall = tmp_path / "smtp-hangs"
    stall.touch()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": celery_broker.url(0),
        "REDIS_URL": celery_broker.url(1),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "tests.faults.mail.EmailBackend",
        "FAULT_MAIL_DIR": str(mail_dir),
        "FAULT_MAIL_STALL": str(stall),
        "SITE_URL": "https://learn.example.org",
        "LOG_FORMAT": "plain",
    }
    log = tmp_path / "worker.log"
    first = Worker("first", env, log)
    second = None
    try:
        user = UserFactory(email="killed.worker@example.org")
        for lesson in make_curriculum(lessons_per_module=2).lessons():
            record_lesson_completion(user=user, lesson=lesson.specific)
        certificate = Certificate.objects.get(user=user)

        # The first worker renders the PDF, then hangs sending the email: kill it there.
        wait_for(
            lambda: Path(f"{stall}.reached").exists(), timeout=90, what=f"the first worker to start the send ({log})"
        )
        taken_at = time.monotonic()
        first.kill()
        certificate.refresh_from_db()
        assert certificate.rendered_at is not None
        assert certificate.emailed_at is None  # the claim died with the worker's transaction
        assert not sent_to(mail_dir, user.email)

        stall.unlink()  # the mail server answers again
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - taken_at)))
        second = Worker("second", env, log)
        wait_for(lambda: sent_to(mail_dir, user.email), timeout=90, what=f"the email from the second worker ({log})")
        [message] = sent_to(mail_dir, user.email)
        assert certificate.serial in message
        certificate.refresh_from_db()
        assert certificate.emailed_at is not None
        from outbox.models import PendingTask

        wait_for(
            lambda: PendingTask.objects.filter(
                key=f"certificate-email:{certificate.pk}", done_at__isnull=False
            ).exists(),
            what="the outbox row to be marked done",
        )
    finally:
        if first.process.poll() is None:
            first.kill()
        if second is not None:
            second.stop()
