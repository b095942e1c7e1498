"""Seed a realistic program into an empty, migrated database: the real curricula and quizzes, synthetic extra
curricula, agencies, staff, mandates and years of history (assignments, completions, certificates, lesson
progress, quiz attempts with their responses).

Default volumes are those of a large EMA program (100 agencies, 5,000 staff, 12 curricula with 150 lessons,
15 mandates, 600,000 lesson-progress rows, 200,000 quiz attempts); certificates follow from the history
(about 24,000 at scale 1). `scale` multiplies the people and the rows, not the curricula. Everything but
the Wagtail pages is written with `fastinsert`, because the seed is not what is measured."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

REAL_CURRICULA = ["CMTP-101", "CMTP-102", "CMTP-103", "CMTP-104", "CMTP-105", "CMTP-106"]
ROLES_WEIGHTED = ["mcm"] * 5 + ["nmcm"] * 4 + ["ccms"] * 1 + ["peer"] * 2
ALL_CATEGORIES = ["MCM", "NMCM", "NMCM-SUD", "CCMS"]
STAFF_ROLES = ["mcm", "nmcm", "ccms", "supervisor", "peer"]
# (curriculum code, categories, roles, due days after hire): 15 mandates over the 12 curricula.
MANDATES = [
    ("CMTP-101", ALL_CATEGORIES, STAFF_ROLES, 60),
    ("CMTP-102", ALL_CATEGORIES, ["mcm", "nmcm", "ccms", "supervisor"], 90),
    ("CMTP-102", ["NMCM-SUD"], ["peer"], 120),
    ("CMTP-103", ["CCMS"], ["ccms", "supervisor"], 90),
    ("CMTP-103", ["MCM"], ["supervisor"], 180),
    ("CMTP-104", ["NMCM-SUD", "CCMS"], ["nmcm", "ccms", "peer"], 90),
    ("CMTP-105", ["NMCM-SUD", "NMCM"], ["nmcm", "peer"], 120),
    ("CMTP-105", ["MCM"], ["mcm"], 180),
    ("CMTP-106", ["MCM", "NMCM"], ["mcm", "nmcm", "supervisor"], 90),
    ("CMTP-201", ["MCM"], ["mcm", "ccms"], 120),
    ("CMTP-202", ["NMCM"], ["nmcm", "peer"], 120),
    ("CMTP-203", ["NMCM-SUD"], ["nmcm", "peer"], 120),
    ("CMTP-204", ["CCMS"], ["ccms", "supervisor"], 180),
    ("CMTP-205", ALL_CATEGORIES, ["supervisor"], 180),
    ("CMTP-206", ["MCM", "NMCM"], ["mcm", "nmcm"], 365),
]


@dataclass(frozen=True)
class Volumes:
    agencies: int = 100
    staff: int = 5000
    curricula: int = 12
    lessons: int = 150
    progress: int = 600_000
    attempts: int = 200_000

    def scaled(self, factor: float) -> Volumes:
        """People and rows scale; the curricula stay (they are content, not volume)."""
        return Volumes(
            agencies=max(2, round(self.agencies * factor)),
            staff=max(20, round(self.staff * factor)),
            curricula=self.curricula,
            lessons=self.lessons,
            progress=round(self.progress * factor),
            attempts=round(self.attempts * factor),
        )


@dataclass
class SeedReport:
    volumes: Volumes
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # Handy handles for the measurements.
    coordinator_id: int = 0
    admin_ids: dict[int, int] = field(default_factory=dict)  # agency id -> an administrator's user id


class _Clock:
    def __init__(self, report: SeedReport, verbose: bool) -> None:
        self.report, self.verbose, self.last = report, verbose, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.report.seconds[name] = round(now - self.last, 2)
        if self.verbose:
            print(f"  seed {name:<28} {now - self.last:6.1f} s", flush=True)
        self.last = now


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)


def seed(volumes: Volumes, *, today: date, seed_value: int = 42, verbose: bool = True) -> SeedReport:
    from django.db import transaction

    from learner_cache import triggers

    rng = random.Random(seed_value)
    report = SeedReport(volumes=volumes)
    clock = _Clock(report, verbose)
    with transaction.atomic():
        # A bulk load, like a migration: without the learner cache's triggers (millions of rows), then every
        # kept learner page made unreachable at once (learner_cache.triggers).
        triggers.remove()
        curricula, lessons_by_curriculum = _content(volumes)
        clock.lap("content (pages, quizzes)")
        requirements = _mandates(curricula, today)
        agencies, funded = _agencies(volumes)
        members = _staff(volumes, agencies, today, rng, report)
        clock.lap("agencies and staff")
        completed_pairs = _history(members, requirements, funded, curricula, today, rng, report)
        clock.lap("assignments and certificates")
        _progress(volumes, members, lessons_by_curriculum, completed_pairs, today, rng, report)
        clock.lap("lesson progress")
        _attempts(volumes, members, today, rng, report)
        clock.lap("quiz attempts")
        _finish()
        triggers.install()
        triggers.renew_shared_version()
    _analyze()
    clock.lap("analyze")
    return report


def _content(volumes: Volumes) -> tuple[dict[str, object], dict[int, list[int]]]:
    """The real curricula and quizzes, then synthetic curricula (same lesson bodies) up to the volumes."""
    from wagtail.models import Locale

    from competencies.models import Competency
    from content.loader import load_all
    from curricula.models import CatalogPage, CurriculumPage, LessonPage, ModulePage

    load_all()
    english = Locale.get_default()  # the loader may also make translated copies; the seed works in English
    catalog = CatalogPage.objects.get(locale=english)
    real = list(CurriculumPage.objects.filter(locale=english).order_by("code"))
    real_lessons = list(LessonPage.objects.filter(locale=english).order_by("path"))
    extra = max(0, volumes.curricula - len(real))
    remaining = max(0, volumes.lessons - len(real_lessons))
    for i in range(extra):
        lessons_here = remaining // (extra - i)
        remaining -= lessons_here
        code = f"CMTP-{201 + i}"
        curriculum = catalog.add_child(
            instance=CurriculumPage(
                title=f"Elective {i + 1}: practice scenarios",
                slug=code.lower(),
                code=code,
                summary="Scenario practice that builds on the core curricula.",
                credit_hours=2,
                recertification_months=24,
                competencies=list(Competency.objects.filter(code__in=("CP-1", "CP-2"))),
            )
        )
        modules = 3
        for m in range(modules):
            module = curriculum.add_child(instance=ModulePage(title=f"Part {m + 1}", slug=f"part-{m + 1}"))
            for k in range(lessons_here // modules + (1 if m < lessons_here % modules else 0)):
                template = real_lessons[(i * 7 + m * 3 + k) % len(real_lessons)]
                module.add_child(
                    instance=LessonPage(
                        title=f"{template.title} (practice {m + 1}.{k + 1})",
                        slug=f"lesson-{m + 1}-{k + 1}",
                        summary=template.summary,
                        estimated_minutes=template.estimated_minutes,
                        body=template.body.raw_data,
                        references=template.references.raw_data,
                    )
                )
    curricula = {c.code: c for c in CurriculumPage.objects.filter(locale=english).order_by("code")}
    lessons_by_curriculum = {
        c.pk: list(LessonPage.objects.descendant_of(c).order_by("path").values_list("pk", flat=True))
        for c in curricula.values()
    }
    return curricula, lessons_by_curriculum


@dataclass
class _Mandate:
    requirement: object
    curriculum: object
    categories: set[str]
    roles: set[str]
    due_days: int
    months: int


def _mandates(curricula: dict, today: date) -> list[_Mandate]:
    from agencies.models import ServiceCategory
    from curricula.models import Requirement

    categories = {c.code: c for c in ServiceCategory.objects.all()}
    mandates = []
    for code, cats, roles, due_days in MANDATES:
        curriculum = curricula.get(code)
        if curriculum is None:
            continue
        requirement = Requirement.objects.create(
            curriculum=curriculum,
            roles=roles,
            due_days_after_hire=due_days,
            starts_on=today - timedelta(days=2 * 365),
        )
        requirement.categories.set([categories[c] for c in cats])
        mandates.append(
            _Mandate(requirement, curriculum, set(cats), set(roles), due_days, curriculum.recertification_months)
        )
    return mandates


def _agencies(volumes: Volumes) -> tuple[list, dict[int, set[str]]]:
    from agencies.models import Agency, ServiceCategory

    categories = {c.code: c for c in ServiceCategory.objects.all()}
    agencies = Agency.objects.bulk_create(
        [Agency(name=f"Agency {i:03d}", slug=f"agency-{i:03d}") for i in range(volumes.agencies)]
    )
    funded: dict[int, set[str]] = {}
    through = Agency.categories.through
    links = []
    for i, agency in enumerate(agencies):
        codes = {"MCM", ["NMCM", "NMCM-SUD", "CCMS"][i % 3]}
        if i % 4 == 0:
            codes.add("NMCM")
        funded[agency.pk] = codes
        links += [through(agency_id=agency.pk, servicecategory_id=categories[c].pk) for c in codes]
    through.objects.bulk_create(links)
    return agencies, funded


@dataclass
class _Member:
    id: int
    user_id: int
    agency_id: int
    role: str
    hired: date
    left: date | None


def _staff(volumes: Volumes, agencies: list, today: date, rng: random.Random, report: SeedReport) -> list[_Member]:
    from django.contrib.auth import get_user_model

    from agencies.models import RoleChange, StaffMember, TrainingCoordinator

    from .fastinsert import insert_rows, next_id

    user_model = get_user_model()
    first_user = next_id(user_model)
    first_staff = next_id(StaffMember)
    joined = noon(today - timedelta(days=2000))
    total_users = volumes.staff + len(agencies) + 1
    names = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Foster", "Garcia", "Hughes", "Ibrahim", "Jones"]
    users = (
        (first_user + i, f"user{i}@bench.example", f"user{i}@bench.example", f"Person{i}", rng.choice(names), "!",
         True, False, False, joined)
        for i in range(total_users)
    )  # fmt: skip
    insert_rows(
        user_model,
        ["id", "username", "email", "first_name", "last_name", "password", "is_active", "is_staff", "is_superuser",
         "date_joined"],
        users,
    )  # fmt: skip
    coordinator_id = first_user + total_users - 1
    TrainingCoordinator.objects.create(user_id=coordinator_id, all_agencies=True)
    report.coordinator_id = coordinator_id

    members: list[_Member] = []
    rows = []
    now = datetime.now(UTC)
    for i in range(volumes.staff):
        agency = agencies[i % len(agencies)]
        role = "supervisor" if i % 25 == 0 else rng.choice(ROLES_WEIGHTED)
        hired = today - timedelta(days=rng.randint(20, 6 * 365))
        left = None
        if rng.random() < 0.08:
            candidate = hired + timedelta(days=rng.randint(30, max(31, (today - hired).days - 1)))
            left = candidate if candidate < today else None
        members.append(_Member(first_staff + i, first_user + i, agency.pk, role, hired, left))
    supervisors: dict[int, list[int]] = {}
    for m in members:
        if m.role == "supervisor" and m.left is None:
            supervisors.setdefault(m.agency_id, []).append(m.id)
    for m in members:
        boss = rng.choice(supervisors[m.agency_id]) if m.role != "supervisor" and supervisors.get(m.agency_id) else None
        rows.append((m.id, m.user_id, m.agency_id, m.role, m.hired, boss, m.left is None, m.left, False, now, now))
    for k, agency in enumerate(agencies):
        user_id = first_user + volumes.staff + k
        rows.append((first_staff + volumes.staff + k, user_id, agency.pk, "other", today - timedelta(days=900), None,
                     True, None, True, now, now))  # fmt: skip
        report.admin_ids[agency.pk] = user_id
    fields = ["id", "user_id", "agency_id", "role", "hire_date", "supervisor_id", "active", "left_on",
              "is_agency_admin", "created_at", "updated_at"]  # fmt: skip
    # Supervisors first: the foreign key to a supervisor must point at an existing row on PostgreSQL.
    rows.sort(key=lambda r: r[5] is not None)
    insert_rows(StaffMember, fields, rows)
    # The roster records each person's role when they are added.
    first_change = next_id(RoleChange)
    insert_rows(
        RoleChange,
        ["id", "staff_id", "role", "changed_at"],
        ((first_change + n, r[0], r[3], noon(r[4])) for n, r in enumerate(rows)),
    )
    report.counts["agencies"] = len(agencies)
    report.counts["staff"] = len(rows)
    return members


def _history(
    members: list[_Member],
    mandates: list[_Mandate],
    funded: dict[int, set[str]],
    curricula: dict,
    today: date,
    rng: random.Random,
    report: SeedReport,
) -> set[tuple[int, int]]:
    """Each mandated obligation from hire (or the mandate's start) to today or leaving: completed on time,
    late, or still open; waived or withdrawn now and then; renewed before each certificate expires."""
    from certificates.codes import new_code
    from certificates.models import Certificate
    from curricula.models import Assignment, CurriculumCompletion
    from curricula.rules import renewal_date

    from .fastinsert import insert_rows, next_id

    assignment_id = next_id(Assignment)
    completion_id = next_id(CurriculumCompletion)
    certificate_id = next_id(Certificate)
    now = datetime.now(UTC)
    assignments, completions, certificates = [], [], []
    completed_pairs: set[tuple[int, int]] = set()
    cycles: dict[tuple[int, int], int] = {}
    for m in members:
        end = min(m.left or today, today)
        chosen: dict[int, _Mandate] = {}
        for mandate in mandates:
            if m.role in mandate.roles and mandate.categories & funded[m.agency_id]:
                current = chosen.get(mandate.curriculum.pk)
                if current is None or mandate.due_days < current.due_days:
                    chosen[mandate.curriculum.pk] = mandate
        for mandate in chosen.values():
            curriculum = mandate.curriculum
            start = max(m.hired, mandate.requirement.starts_on)
            due = start + timedelta(days=mandate.due_days)
            source = "requirement"
            while start <= end:
                fate = rng.random()
                base = [m.id, curriculum.pk, source, mandate.requirement.pk, start, due]
                if fate < 0.02:
                    assignments.append((assignment_id, *base, "waived", start + timedelta(days=10),
                                        "Equivalent training elsewhere", None, now, now))  # fmt: skip
                    assignment_id += 1
                    break
                done_on = due + timedelta(days=rng.randint(-80, 40))
                if fate > 0.88 or done_on > end:
                    assignments.append((assignment_id, *base, "open", None, "", None, now, now))
                    assignment_id += 1
                    break
                done_on = max(done_on, start)
                key = (m.user_id, curriculum.pk)
                cycles[key] = cycles.get(key, 0) + 1
                completions.append((completion_id, m.user_id, curriculum.pk, cycles[key], noon(done_on),
                                    curriculum.code, curriculum.title, curriculum.credit_hours))  # fmt: skip
                assignments.append((assignment_id, *base, "completed", done_on, "", completion_id, now, now))
                assignment_id += 1
                completed_pairs.add(key)
                expires = renewal_date(completed_on=done_on, months=mandate.months)
                revoked = noon(done_on + timedelta(days=30)) if rng.random() < 0.003 else None
                certificates.append([
                    certificate_id, completion_id, m.user_id, curriculum.pk, f"Person{m.user_id}", curriculum.code,
                    curriculum.title, curriculum.credit_hours, [], done_on, expires, f"B-{certificate_id:08d}",
                    new_code(), noon(done_on), "", noon(done_on), 0, noon(done_on), revoked,
                    "Issued in error" if revoked else "", None,
                ])  # fmt: skip
                certificate_id += 1
                completion_id += 1
                if expires is None:
                    break
                start, due, source = expires - timedelta(days=90), expires, "recertification"
    # A renewal supersedes the certificate before it.
    latest: dict[tuple[int, int], list] = {}
    for cert in certificates:
        key = (cert[2], cert[3])
        if key in latest:
            latest[key][20] = cert[13]
        latest[key] = cert
    insert_rows(
        CurriculumCompletion,
        ["id", "user_id", "curriculum_id", "cycle", "completed_at", "curriculum_code", "curriculum_title",
         "credit_hours"],
        completions,
    )  # fmt: skip
    insert_rows(
        Assignment,
        ["id", "staff_id", "curriculum_id", "source", "requirement_id", "required_from", "due_on", "state",
         "closed_on", "waived_reason", "completion_id", "created_at", "updated_at"],
        assignments,
    )  # fmt: skip
    insert_rows(
        Certificate,
        ["id", "completion_id", "user_id", "curriculum_id", "learner_name", "curriculum_code", "curriculum_title",
         "credit_hours", "competencies", "completed_on", "expires_on", "serial", "code", "issued_at", "pdf",
         "rendered_at", "render_failures", "emailed_at", "revoked_at", "revoked_reason", "superseded_at",
         "superseded_kind", "superseded_reason", "pdf_site_url", "competency_refs"],
        [[*c, "", "", "", []] for c in certificates],  # the columns added by issue 18, empty as for old rows
    )  # fmt: skip
    report.counts["assignments"] = len(assignments)
    report.counts["completions"] = len(completions)
    report.counts["certificates"] = len(certificates)
    return completed_pairs


def _progress(
    volumes: Volumes,
    members: list[_Member],
    lessons_by_curriculum: dict[int, list[int]],
    completed_pairs: set[tuple[int, int]],
    today: date,
    rng: random.Random,
    report: SeedReport,
) -> None:
    """Every lesson of a completed curriculum is done; other curricula are started (a prefix of lessons) at a
    rate that brings the total to the volume asked for."""
    from curricula.models import LessonProgress

    from .fastinsert import insert_rows, next_id

    done_rows = sum(len(lessons_by_curriculum[c]) for _, c in completed_pairs)
    open_pairs = len(members) * len(lessons_by_curriculum) - len(completed_pairs)
    average_lessons = sum(len(v) for v in lessons_by_curriculum.values()) / max(1, len(lessons_by_curriculum))
    wanted = max(0, volumes.progress - done_rows)
    # Fraction of the remaining (person, lesson) pairs to fill: start some curricula with a random prefix of
    # their lessons (60% on average), or, past that, start them all with longer prefixes.
    fraction = min(1.0, wanted / max(1.0, open_pairs * average_lessons))
    start_rate, shortest = (fraction / 0.6, 0.2) if fraction <= 0.6 else (1.0, 2 * fraction - 1)
    first = next_id(LessonProgress)

    def rows() -> Iterator[tuple]:
        n = first
        for m in members:
            if n - first >= volumes.progress:
                return  # the estimate above overshoots a little: stop at the volume asked for
            for curriculum_id, lessons in lessons_by_curriculum.items():
                if (m.user_id, curriculum_id) in completed_pairs:
                    count, finished = len(lessons), len(lessons)
                elif rng.random() < start_rate:
                    count = max(1, round(len(lessons) * rng.uniform(shortest, 1.0)))
                    finished = count - 1
                else:
                    continue
                when = noon(today - timedelta(days=rng.randint(1, 700)))
                for position, lesson_id in enumerate(lessons[:count]):
                    seen = when + timedelta(minutes=10 * position)
                    yield (n, m.user_id, lesson_id, seen, seen if position < finished else None, seen)
                    n += 1

    report.counts["lesson_progress"] = insert_rows(
        LessonProgress, ["id", "user_id", "lesson_id", "started_at", "completed_at", "last_viewed_at"], rows()
    )


def _attempts(volumes: Volumes, members: list[_Member], today: date, rng: random.Random, report: SeedReport) -> None:
    """Submitted attempts with one scored response per question drawn, spread over people and quizzes."""
    from assessments.models import Attempt, Quiz, Response

    from .fastinsert import insert_rows, next_id

    quizzes = [(q.pk, list(q.questions.order_by("sort_order", "pk").values_list("pk", flat=True)), q.draw_count)
               for q in Quiz.objects.filter(active=True)]  # fmt: skip
    if not quizzes or not volumes.attempts:
        report.counts["attempts"] = report.counts["responses"] = 0
        return
    first_attempt = next_id(Attempt)
    first_response = next_id(Response)
    numbers: dict[tuple[int, int], int] = {}
    attempts: list[tuple] = []
    responses: list[tuple] = []
    response_id = first_response
    for n in range(volumes.attempts):
        member = members[rng.randrange(len(members))]
        quiz_id, question_ids, draw = quizzes[rng.randrange(len(quizzes))]
        key = (member.user_id, quiz_id)
        numbers[key] = numbers.get(key, 0) + 1
        drawn = rng.sample(question_ids, draw) if draw and draw < len(question_ids) else question_ids
        ability = rng.random()
        scores = [1.0 if rng.random() < 0.45 + ability * 0.5 else 0.0 for _ in drawn]
        percent = round(100 * sum(scores) / len(drawn), 2)
        started = noon(today - timedelta(days=rng.randint(1, 900))) - timedelta(minutes=rng.randint(0, 600))
        attempt_id = first_attempt + n
        attempts.append((attempt_id, member.user_id, quiz_id, numbers[key], drawn, {}, started,
                         started + timedelta(minutes=12), percent, percent >= 80, "en"))  # fmt: skip
        for question_id, score in zip(drawn, scores, strict=True):
            responses.append((response_id, attempt_id, question_id, None, score, started))
            response_id += 1
    # The unique (user, quiz, number) holds; numbers follow the order the rows were drawn, which is enough here.
    insert_rows(
        Attempt,
        ["id", "user_id", "quiz_id", "number", "question_ids", "option_orders", "started_at", "submitted_at",
         "score", "passed", "language"],
        attempts,
    )  # fmt: skip
    insert_rows(Response, ["id", "attempt_id", "question_id", "answer", "score", "saved_at"], responses)
    report.counts["attempts"] = len(attempts)
    report.counts["responses"] = len(responses)


def _finish() -> None:
    from django.contrib.auth import get_user_model

    from agencies.models import RoleChange, StaffMember
    from assessments.models import Attempt, Response
    from certificates.models import Certificate
    from curricula.models import Assignment, CurriculumCompletion, LessonProgress

    from .fastinsert import reset_sequences

    reset_sequences(
        get_user_model(), StaffMember, RoleChange, Assignment, CurriculumCompletion, Certificate, LessonProgress,
        Attempt, Response,
    )  # fmt: skip


def _analyze() -> None:
    """Fresh statistics, as autovacuum would have gathered on a running site."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
