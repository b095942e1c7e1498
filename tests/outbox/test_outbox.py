"""The outbox on its own (Celery eager, as in the test settings): what is recorded, when it is sent, when the
sweep sends it again. The broker outages themselves are in tests/faults/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate
from outbox.models import PendingTask
from outbox.services import GRACE, MAX_ATTEMPTS, SETTLE, dispatch_pending, enqueue
from tests.certificates.conftest import complete
from tests.factories import PendingTaskFactory, UserFactory, make_curriculum

pytestmark = pytest.mark.django_db

SYNC = "curricula.tasks.sync_all_assignments"


def test_nothing_is_recorded_or_sent_for_a_change_that_rolls_back(django_capture_on_commit_callbacks):
    user = UserFactory(email="rolled.back@example.org")
    curriculum = make_curriculum()
    from certificates.services import issue_certificate

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        issue_certificate(completion=complete(user, curriculum))
        raise RuntimeError("the request failed after issuing")
    assert not PendingTask.objects.exists() and not Certificate.objects.exists() and not mail.outbox


def test_an_issued_certificate_records_its_email_and_pdf_and_the_tasks_mark_them_done(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="issued@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        from certificates.services import issue_certificate

        certificate = issue_certificate(completion=complete(user, make_curriculum()))
    rows = {row.key: row for row in PendingTask.objects.all()}
    assert set(rows) == {f"certificate-email:{certificate.pk}", f"certificate-pdf:{certificate.pk}"}
    assert all(row.done_at is not None and row.attempts == 1 for row in rows.values())
    assert [m.to for m in mail.outbox] == [["issued@example.org"]]


def test_the_same_key_is_recorded_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = enqueue(task=SYNC, key="sync:once")
        again = enqueue(task=SYNC, key="sync:once")
    assert first.pk == again.pk and PendingTask.objects.count() == 1 and len(callbacks) == 1


def test_the_sweep_waits_for_the_request_and_for_a_running_task_before_sending_again():
    now = timezone.now()
    never_taken = PendingTaskFactory(task=SYNC, created_at=now - SETTLE - timedelta(seconds=5))
    just_written = PendingTaskFactory(task=SYNC, created_at=now)
    lost = PendingTaskFactory(task=SYNC, created_at=now - GRACE * 2, queued_at=now - GRACE - timedelta(1))
    running = PendingTaskFactory(task=SYNC, created_at=now - GRACE * 2, queued_at=now - timedelta(minutes=5))
    done = PendingTaskFactory(task=SYNC, created_at=now - GRACE * 2, done_at=now - GRACE)
    given_up = PendingTaskFactory(task=SYNC, created_at=now - GRACE * 2, attempts=MAX_ATTEMPTS)

    assert dispatch_pending() == 2
    for row in (never_taken, lost):
        row.refresh_from_db()
        assert row.done_at is not None and row.attempts == 1  # eager: sent and run
    for row in (just_written, running, given_up):
        row.refresh_from_db()
        assert row.done_at is None
    done.refresh_from_db()
    assert done.attempts == 0


def test_a_task_that_cannot_run_stays_pending_with_its_error(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue(task="certificates.tasks.render_certificate_pdf", args=[10**9])  # no such certificate
        failing = enqueue(task="outbox.tasks.dispatch_pending", args=["not", "accepted"])
    row.refresh_from_db()
    assert row.done_at is not None  # a task that finds nothing to do is done
    failing.refresh_from_db()
    assert failing.done_at is None and "TypeError" in failing.last_error
