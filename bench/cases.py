"""The operations the benchmark measures, on a seeded database, each as a user (or the nightly job) does it.

Pages go through the whole Django stack (middleware, sessions, templates) with the test client; jobs are the
functions Celery beat calls. Each case says how often to repeat it; writes that must not pile up (derivation
from scratch, reminders) run inside a transaction that is rolled back after each measurement."""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Case:
    name: str
    run: Callable[[], object]
    repeat: int = 20
    setup: Callable[[], object] | None = None
    teardown: Callable[[], object] | None = None
    note: str = ""
    memory: bool = False  # also measure peak Python memory in one extra, untimed run
    group: str = "learner"
    # Once around all the runs: data only this case needs, added before and removed after (e.g. rolled back).
    before_all: Callable[[], object] | None = None
    after_all: Callable[[], object] | None = None


@dataclass
class Result:
    name: str
    group: str
    runs: int
    median_ms: float
    p95_ms: float
    queries: int
    note: str = ""
    peak_mb: float | None = None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: with 20 runs, p95 is the 19th fastest, a run that really happened."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered))))
    return ordered[rank - 1]


def measure(case: Case, *, repeat_factor: float = 1.0) -> Result:
    if case.before_all:
        case.before_all()
    try:
        return _measure(case, repeat_factor=repeat_factor)
    finally:
        if case.after_all:
            case.after_all()


def _measure(case: Case, *, repeat_factor: float) -> Result:
    runs = max(1, round(case.repeat * repeat_factor))
    times: list[float] = []
    queries = 0
    for _ in range(runs):
        if case.setup:
            case.setup()
        try:
            connection.queries_log.clear()  # it keeps at most 9,000 queries: start empty so counts are right
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                case.run()
                times.append(time.perf_counter() - start)
            queries = len(ctx.captured_queries)
        finally:
            if case.teardown:
                case.teardown()
    peak = None
    if case.memory:
        if case.setup:
            case.setup()
        tracemalloc.start()
        try:
            case.run()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
            if case.teardown:
                case.teardown()
    return Result(
        name=case.name, group=case.group, runs=runs, median_ms=statistics.median(times) * 1000,
        p95_ms=percentile(times, 0.95) * 1000, queries=queries, note=case.note, peak_mb=peak,
    )  # fmt: skip


class Rollback:
    """setup/teardown pair: run the case in a transaction and undo it, so each run starts from the same data."""

    def __init__(self, before: Callable[[], object] | None = None) -> None:
        self.before = before
        self.block: transaction.Atomic | None = None

    def setup(self) -> None:
        self.block = transaction.atomic()
        self.block.__enter__()
        if self.before:
            self.before()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.block.__exit__(None, None, None)
        mail.outbox = []


def fetch(client: Client, url: str, *, method: str = "get", expect: tuple[int, ...] = (200,), **data) -> int:
    """Request a page and read all of it (a streamed export included); fail loudly on an unexpected status."""
    response = getattr(client, method)(url, data)
    if response.status_code not in expect:
        raise AssertionError(f"{method.upper()} {url} answered {response.status_code}, expected {expect}")
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)  # never the whole file in memory
    return len(response.content)


def build_cases(
    *, today: date, coordinator_id: int, admin_ids: dict[int, int], big_agency_staff: int = 100
) -> list[Case]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max
    from django.urls import reverse
    from django.utils import timezone
    from wagtail.models import Locale

    from agencies.models import Agency, StaffMember
    from assessments.item_stats import fold_new_attempts
    from assessments.models import Attempt, Quiz
    from assessments.services import start_attempt
    from certificates.models import Certificate
    from certificates.services import issue_certificate
    from compliance.services import send_daily_reminders, send_weekly_digests
    from curricula.models import Assignment, CurriculumCompletion, CurriculumPage, LessonPage
    from curricula.services import sync_assignments

    from .big_agency import BigAgency

    users = get_user_model().objects
    # A busy learner: the active medical case manager with the most assignments.
    learner_staff = (
        StaffMember.objects.filter(active=True, role="mcm")
        .annotate(n=Count("assignments"))
        .order_by("-n", "pk")
        .select_related("user")
        .first()
    )
    learner = learner_staff.user
    learner_client = Client()
    learner_client.force_login(learner)

    cmtp_102 = CurriculumPage.objects.get(code="CMTP-102", locale=Locale.get_default())
    lesson = LessonPage.objects.live().descendant_of(cmtp_102).order_by("path")[3]
    curriculum = CurriculumPage.objects.get(code="CMTP-101", locale=Locale.get_default())
    quiz = Quiz.objects.get(key="cmtp-101")
    open_attempt = start_attempt(user=learner, quiz=quiz)
    attempt_url = reverse("assessments:attempt", args=[open_attempt.pk])

    def fresh_attempt() -> None:
        attempt = start_attempt(user=learner, quiz=quiz)
        fresh_attempt.url = reverse("assessments:attempt", args=[attempt.pk])

    def submit() -> int:
        return fetch(learner_client, fresh_attempt.url, method="post", expect=(302,), action="submit", confirmed="yes")

    # A completion waiting for its certificate: the next cycle of a curriculum the learner finished.
    def new_completion() -> None:
        cycle = (
            CurriculumCompletion.objects.filter(user=learner, curriculum=curriculum).aggregate(m=Max("cycle"))["m"] or 0
        ) + 1
        new_completion.completion = CurriculumCompletion.objects.create(
            user=learner, curriculum=curriculum, cycle=cycle, completed_at=timezone.now(),
            curriculum_code=curriculum.code, curriculum_title=curriculum.title, credit_hours=curriculum.credit_hours,
        )  # fmt: skip

    def issue() -> None:
        with transaction.atomic():
            certificate = issue_certificate(completion=new_completion.completion)
        certificate.refresh_from_db()
        if certificate.rendered_at is None or not certificate.pdf:
            raise AssertionError("The certificate PDF was not rendered.")

    certificate = Certificate.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    verify_url = reverse("certificates:verify", args=[certificate.code])
    public = Client()

    # The agency dashboard of an agency of typical size (about 50 people).
    sizes = dict(Agency.objects.annotate(n=Count("staff")).values_list("pk", "n"))
    agency = Agency.objects.get(pk=min(sizes, key=lambda pk: abs(sizes[pk] - 51)))
    admin_client = Client()
    admin_client.force_login(users.get(pk=admin_ids[agency.pk]))
    coordinator_client = Client()
    coordinator_client.force_login(users.get(pk=coordinator_id))
    agency_staff = sizes[agency.pk] - 1

    scratch = Rollback(before=lambda: Assignment.objects.all()._raw_delete(Assignment.objects.db))
    reminders = Rollback()
    digests = Rollback()
    program_total = StaffMember.objects.count()
    attempts_on_quiz = Attempt.objects.filter(quiz=quiz).count()
    big = BigAgency(staff=big_agency_staff, today=today)
    return [
        Case("learner dashboard", lambda: fetch(learner_client, reverse("curricula:dashboard")),
             note=f"{learner_staff.n} assignments"),
        Case("curriculum page", lambda: fetch(learner_client, curriculum.url)),
        Case("lesson page", lambda: fetch(learner_client, lesson.url), note="records the view"),
        Case("transcript", lambda: fetch(learner_client, reverse("curricula:transcript"))),
        Case("quiz page (attempt in progress)", lambda: fetch(learner_client, attempt_url),
             note=f"{len(open_attempt.question_ids)} questions"),
        Case("quiz submission", submit, setup=fresh_attempt, note="scored on the server"),
        Case("certificate issue with PDF render", issue, setup=new_completion, repeat=10,
             note="Celery task run eagerly", group="certificates"),
        Case("verification page (public)", lambda: fetch(public, verify_url), group="certificates"),
        Case("agency dashboard", lambda: fetch(admin_client, reverse("compliance:agency", args=[agency.slug])),
             note=f"{agency_staff} staff, 12-month trend", group="compliance"),
        Case("agency dashboard, very large agency", big.fetch, repeat=10, before_all=big.add, after_all=big.remove,
             note=f"{big_agency_staff} staff, 12-month trend, page 1; the first run computes the timelines",
             group="compliance"),
        Case("agency dashboard, very large agency, nothing cached", big.fetch, repeat=5, setup=cache.clear,
             before_all=big.add, after_all=big.remove, note="every timeline computed, as after a cache flush",
             group="compliance"),
        Case("program view (coordinator)", lambda: fetch(coordinator_client, reverse("compliance:program")),
             repeat=5, note=f"{program_total} staff", group="compliance"),
        Case("program view, nothing cached", lambda: fetch(coordinator_client, reverse("compliance:program")), repeat=3,
             setup=cache.clear, memory=True, note="the overview computed, as after any write", group="compliance"),
        Case("program CSV export, one row per person",
             lambda: fetch(coordinator_client, reverse("compliance:program_export", args=["csv-wide"])),
             repeat=3, memory=True, group="compliance"),
        Case("program CSV export, one row per person and curriculum",
             lambda: fetch(coordinator_client, reverse("compliance:program_export", args=["csv-long"])),
             repeat=3, memory=True, group="compliance"),
        Case("item analysis page", lambda: fetch(coordinator_client, reverse("assessments:analysis", args=[quiz.key])),
             repeat=3, before_all=lambda: fold_new_attempts(quiz_id=quiz.pk),
             note=f"{attempts_on_quiz} attempts, from the kept statistics", group="compliance"),
        Case("my competencies", lambda: fetch(learner_client, reverse("competencies:mine")), group="competencies"),
        Case("competency heat map (agency)",
             lambda: fetch(admin_client, reverse("competencies:agency", args=[agency.slug])),
             note=f"{agency_staff} staff x every competency", group="competencies"),
        Case("competency roll-up (program)", lambda: fetch(coordinator_client, reverse("competencies:program")),
             repeat=5, note=f"{program_total} staff", group="competencies"),
        Case("competency roll-up CSV (program)",
             lambda: fetch(coordinator_client, reverse("competencies:program_export")),
             repeat=3, group="competencies"),
        Case("nightly assignment derivation (re-run)", lambda: sync_assignments(today=today), repeat=3, group="jobs"),
        Case("assignment derivation from scratch", lambda: sync_assignments(today=today), repeat=3,
             setup=scratch.setup, teardown=scratch.teardown, note="every assignment deleted first", group="jobs"),
        Case("daily reminder job", lambda: send_daily_reminders(today=today), repeat=3, setup=reminders.setup,
             teardown=reminders.teardown, note="first run of the day", group="jobs"),
        Case("weekly digest job", lambda: send_weekly_digests(today=today), repeat=3, setup=digests.setup,
             teardown=digests.teardown, group="jobs"),
    ]  # fmt: skip
