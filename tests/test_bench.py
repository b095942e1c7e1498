"""The benchmark must keep working as the code changes: seed a tiny program and run every case once."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from wagtail.models import Locale

from agencies.models import Agency, StaffMember
from assessments.models import Attempt, Response
from bench.cases import build_cases, measure, percentile
from bench.fastinsert import insert_rows, next_id, reset_sequences
from bench.seed import Volumes, seed
from certificates.models import Certificate
from curricula.models import Assignment, CurriculumPage, LessonProgress
from tests.factories import UserFactory

TINY = Volumes(agencies=3, staff=45, curricula=7, lessons=40, progress=3000, attempts=400)


def test_percentile_is_a_run_that_happened():
    runs = [float(n) for n in range(1, 21)]
    assert percentile(runs, 0.95) == 19.0
    assert percentile(runs, 0.5) == 10.0
    assert percentile([7.0], 0.95) == 7.0


def test_scaling_multiplies_people_and_rows_but_not_the_curricula():
    bigger = Volumes().scaled(2)
    assert (bigger.agencies, bigger.staff, bigger.progress, bigger.attempts) == (200, 10_000, 1_200_000, 400_000)
    assert (bigger.curricula, bigger.lessons) == (12, 150)


@pytest.mark.django_db
def test_fast_insert_writes_what_the_orm_reads_back():
    user = UserFactory()
    from assessments.models import Quiz

    quiz = Quiz.objects.get(key="cmtp-101")
    question_ids = list(quiz.questions.values_list("pk", flat=True)[:3])
    started = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    first = next_id(Attempt)
    count = insert_rows(
        Attempt,
        ["id", "user_id", "quiz_id", "number", "question_ids", "option_orders", "started_at", "submitted_at",
         "score", "passed", "language"],
        [(first, user.pk, quiz.pk, 1, question_ids, {"1": [2, 1]}, started, started, 66.67, False, "en")],
    )  # fmt: skip
    insert_rows(Response, ["id", "attempt_id", "question_id", "answer", "score", "saved_at"],
                [(next_id(Response), first, question_ids[0], None, 1.0, started)])  # fmt: skip
    reset_sequences(Attempt, Response)
    assert count == 1
    attempt = Attempt.objects.get(pk=first)
    assert attempt.question_ids == question_ids
    assert attempt.option_orders == {"1": [2, 1]}
    assert attempt.started_at == started
    assert float(attempt.score) == pytest.approx(66.67)
    assert attempt.responses.get().score == 1.0
    # The sequence moved past the explicit id: the application can insert again.
    assert Attempt.objects.create(user=user, quiz=quiz, number=2, started_at=started).pk > first


@pytest.mark.django_db(transaction=True)
def test_tiny_seed_and_every_case_runs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    report = seed(TINY, today=today, verbose=False)

    assert Agency.objects.count() == 3
    assert StaffMember.objects.filter(is_agency_admin=False).count() == 45
    assert CurriculumPage.objects.filter(locale=Locale.get_default()).count() == 7  # translations come on top
    assert LessonProgress.objects.count() == report.counts["lesson_progress"] > 0
    assert Attempt.objects.count() == 400
    assert Response.objects.count() == report.counts["responses"] >= 400
    assert Certificate.objects.count() == report.counts["certificates"] > 0
    # Assignments carry real history: completed ones point at their completion.
    assert Assignment.objects.filter(state="completed", completion__isnull=False).exists()
    assert Assignment.objects.filter(state="open").exists()

    cases = build_cases(today=today, coordinator_id=report.coordinator_id, admin_ids=report.admin_ids)
    names = {c.name for c in cases}
    for required in ("learner dashboard", "lesson page", "quiz page (attempt in progress)", "quiz submission",
                     "certificate issue with PDF render", "verification page (public)", "agency dashboard",
                     "program view (coordinator)", "program CSV export, one row per person",
                     "nightly assignment derivation (re-run)", "daily reminder job",
                     "agency dashboard, very large agency"):  # fmt: skip
        assert required in names
    assignments_before = Assignment.objects.count()
    results = [measure(case, repeat_factor=0.01) for case in cases]
    for result in results:
        assert result.runs >= 1 and result.median_ms > 0 and result.queries > 0, result
    json.dumps([asdict(r) for r in results])
    # Cases that write inside a rolled-back transaction leave the data as it was (the very large agency too).
    assert Assignment.objects.count() == assignments_before
    assert not Agency.objects.filter(slug="agency-big").exists()


def test_http_bench_puts_the_anchor_database_next_to_ours():
    from bench.load import database_urls

    assert database_urls("postgres", "postgres://u@h:5432/pbl_bench") == (
        "postgres://u@h:5432/pbl_bench",
        "postgres://u@h:5432/pbl_bench_anchor",
    )
    ours, anchor = database_urls("sqlite", "sqlite:////tmp/x.sqlite3")
    assert (ours, anchor) == ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x-anchor.sqlite3")


def test_http_bench_table_gives_each_page_its_ratio_to_the_anchor():
    from bench.load import markdown

    def page(rps: float, ratio: float) -> dict:
        return {"rps": rps, "ratio": ratio, "p50_ms": 10.0, "p99_ms": 30.0, "queries": 3,
                "rounds": [{"rps": rps}, {"rps": rps}]}  # fmt: skip

    table = markdown({
        "database": "sqlite", "scale": 1.0, "workers": 2, "connections": 4, "rounds": 2, "duration_s": 5,
        "cores": 2, "date": "2026-12-02", "worker_rss_mb": {"ours": [90.0, 91.0], "anchor": [60.0, 61.0]},
        "pages": {"anchor home": page(200.0, 1.0), "lesson": page(100.0, 0.5)},
    })  # fmt: skip
    assert "| lesson | 100.0 | 0.50x | 100 / 100 |" in table
    assert "ours [90.0, 91.0] MB, anchor [60.0, 61.0] MB" in table
