"""Issue-once under real concurrency. Needs PostgreSQL: SQLite serialises writers, so nothing would race."""

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import issue_certificate
from curricula.completion import complete_if_done
from curricula.models import CurriculumCompletion, LessonProgress
from tests.certificates.conftest import complete
from tests.factories import UserFactory, make_curriculum

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL (DATABASE_URL)"
    ),
    # The flush after each test empties the database; tests/conftest.py puts the content back before the next.
    pytest.mark.django_db(transaction=True),
]


def race(fn: Callable[[], object], *, threads: int = 3) -> list[object]:
    """Run fn in several threads released together; return what each returned (or raised)."""
    barrier = threading.Barrier(threads)
    results: list[object] = [None] * threads

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


ROUNDS = 3  # several races per test: one flush of the database per test is the slow part


def test_complete_if_done_issues_one_certificate_under_concurrency():
    assert connection.vendor == "postgresql"
    for _ in range(ROUNDS):
        curriculum = make_curriculum()
        user = UserFactory()
        now = timezone.now()
        LessonProgress.objects.bulk_create(
            LessonProgress(user=user, lesson=lesson, started_at=now, last_viewed_at=now, completed_at=now)
            for lesson in curriculum.lessons()
        )
        results = race(lambda user=user, curriculum=curriculum: complete_if_done(user=user, curriculum=curriculum))
        assert not [r for r in results if isinstance(r, Exception)], results
        winners = [r for r in results if r is not None]
        assert len(winners) == 1
        assert CurriculumCompletion.objects.filter(user=user).count() == 1
        assert Certificate.objects.filter(user=user).count() == 1
        assert Certificate.objects.get(user=user).completion_id == winners[0].pk


def test_issue_certificate_is_idempotent_under_concurrency():
    for _ in range(ROUNDS):
        completion = complete(UserFactory(), make_curriculum())
        results = race(lambda completion=completion: issue_certificate(completion=completion))
        assert not [r for r in results if isinstance(r, Exception)], results
        assert len({r.pk for r in results}) == 1
        assert Certificate.objects.filter(completion=completion).count() == 1
        certificate = Certificate.objects.get(completion=completion)
        assert certificate.events.filter(action="issued").count() == 1
