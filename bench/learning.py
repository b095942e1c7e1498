"""Benchmark the learner side at realistic volume, in a throwaway SQLite database.

Loads the real content, adds 20 curricula of 10 lessons, a learner assigned to all of them, 10,000
submitted attempts on one quiz and 2,000 staff under mandates; prints timings and query counts for the
dashboard, a lesson page, a quiz attempt page and submission, item analysis and assignment derivation.

    .venv/bin/python bench/learning.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(name: str, fn: Callable[[], object], *, repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    print(f"{name:<48} median {statistics.median(times) * 1000:8.1f} ms   {queries:4d} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from agencies.models import Agency, JobRole, ServiceCategory, StaffMember
    from assessments.models import Attempt, Quiz, Response
    from assessments.services import start_attempt
    from content.loader import load_all
    from curricula.models import Assignment, AssignmentSource, Requirement
    from curricula.services import sync_assignments
    from tests.factories import UserFactory, make_curriculum

    setup_test_environment()
    started = time.perf_counter()
    load_all()
    learner = UserFactory()
    mcm = ServiceCategory.objects.get(code="MCM")
    agency = Agency.objects.create(name="Bench agency", slug="bench")
    agency.categories.set([mcm])
    staff = StaffMember.objects.create(user=learner, agency=agency, role=JobRole.MCM, hire_date=date(2025, 1, 1))
    curricula = [make_curriculum(code=f"BL-{i:02d}", modules=2, lessons_per_module=5) for i in range(20)]
    today = timezone.localdate()
    Assignment.objects.bulk_create(
        Assignment(
            staff=staff,
            curriculum=c,
            source=AssignmentSource.MANUAL,
            required_from=today,
            due_on=today + timedelta(days=i * 7 - 30),
        )
        for i, c in enumerate(curricula)
    )
    quiz = Quiz.objects.get(key="cmtp-101")
    users = UserFactory.create_batch(50)
    question_ids = list(quiz.questions.values_list("pk", flat=True))
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(
            user=users[i % 50],
            quiz=quiz,
            number=i // 50 + 1,
            question_ids=question_ids,
            started_at=now,
            submitted_at=now,
            score=50,
            passed=False,
        )
        for i in range(10_000)
    )
    Response.objects.bulk_create(
        (
            Response(attempt=a, question_id=q, answer=None, score=float((a.pk + q) % 2))
            for a in attempts
            for q in question_ids
        ),
        batch_size=5000,
    )
    people = UserFactory.create_batch(2000)
    StaffMember.objects.bulk_create(
        StaffMember(user=u, agency=agency, role=JobRole.MCM, hire_date=date(2025, 6, 1)) for u in people
    )
    requirement = Requirement.objects.create(curriculum=curricula[0], roles=["mcm"], starts_on=date(2025, 1, 1))
    requirement.categories.set([mcm])
    print(
        f"seeded in {time.perf_counter() - started:.1f} s: 20 extra curricula x 10 lessons, 10,000 attempts, "
        f"2,000 staff\n"
    )

    client = Client()
    client.force_login(learner)
    lesson = list(curricula[5].lessons())[7]
    measure("learner dashboard (20 assignments)", lambda: client.get("/learn/"), repeat=args.repeat)
    measure("lesson page", lambda: client.get(lesson.url), repeat=args.repeat)
    measure("curriculum page", lambda: client.get(curricula[5].url), repeat=args.repeat)
    attempt = start_attempt(user=learner, quiz=quiz)
    measure("quiz attempt page (12 questions)", lambda: client.get(f"/quiz/attempts/{attempt.pk}/"), repeat=args.repeat)

    def submit_once() -> None:
        fresh = start_attempt(user=learner, quiz=quiz)
        client.post(f"/quiz/attempts/{fresh.pk}/", {"action": "submit"})

    measure("quiz submission (scored on the server)", submit_once, repeat=args.repeat)
    coordinator = UserFactory(is_superuser=True)
    admin = Client()
    admin.force_login(coordinator)
    measure("item analysis page (10,000 attempts)", lambda: admin.get(f"/quiz/analysis/{quiz.key}/"), repeat=2)
    measure("sync_assignments, first run (2,000 staff)", lambda: sync_assignments(), repeat=1)
    measure("sync_assignments, re-run (changes nothing)", lambda: sync_assignments(), repeat=args.repeat)


if __name__ == "__main__":
    main()
