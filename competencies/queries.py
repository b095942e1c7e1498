"""Reads of the competency framework: which competencies a curriculum claims, which lessons teach them, and
the evidence of who has demonstrated them (learner, agency, program) in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.models import Locale

from agencies.models import Agency, StaffMember
from assessments.models import Question, Response
from content.sanitize import render_markdown
from curricula.models import CurriculumPage, LessonPage

from .models import Competency
from .rules import (
    FULL_MARK,
    Shown,
    Standing,
    demonstrated_having,
    first_current_day,
    shows_competency,
    standing,
)


def competencies_of(*, curriculum: CurriculumPage) -> list[Competency]:
    """The competencies a curriculum claims, in framework order (certificates and badges cite their codes)."""
    return list(Competency.objects.filter(curricula=curriculum).order_by("position", "code"))


def lessons_for(
    *, competency_ids: Iterable[int], curriculum: CurriculumPage | None = None
) -> dict[int, list[LessonPage]]:
    """The live lessons mapped to each competency, in outline order (within one curriculum if given):
    where a learner who has not shown a competency is sent. Two queries."""
    wanted = set(competency_ids)
    if not wanted:
        return {}
    lessons = LessonPage.objects.live().filter(locale=Locale.get_default())  # records point at English pages
    if curriculum is not None:
        lessons = lessons.descendant_of(curriculum)
    through = LessonPage.competencies.through
    pairs = list(
        through.objects.filter(competency_id__in=wanted, lessonpage__in=lessons).values_list(
            "competency_id", "lessonpage_id"
        )
    )
    pages = {page.pk: page for page in LessonPage.objects.filter(pk__in={lesson for _, lesson in pairs})}
    result: dict[int, list[LessonPage]] = {}
    for competency_id, lesson_id in pairs:
        result.setdefault(competency_id, []).append(pages[lesson_id])
    for found in result.values():
        found.sort(key=lambda page: page.path)
    return result


# --- Evidence -------------------------------------------------------------------------------------------


def _end_of(day: date) -> datetime:
    """The first instant after `day` in the site's time zone: a plain comparison on the column (a `__date`
    lookup would convert every row, which on SQLite is a Python call per row)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _passed_attempt_counts(*, users: Any, until: date, **extra: Any) -> QuerySet[Any]:
    """Per passed attempt and competency: how many of its (unretired) drawn items there were and how many
    were right. One grouped query over the responses; `users` is a list of ids or a queryset of them."""
    return (
        Response.objects.filter(
            attempt__user_id__in=users,
            attempt__passed=True,
            attempt__submitted_at__isnull=False,
            attempt__submitted_at__lt=_end_of(until),
            question__retired=False,
            question__competency__isnull=False,
        )
        .values(
            uid=F("attempt__user_id"),
            cid=F("question__competency_id"),
            aid=F("attempt_id"),
            done=F("attempt__submitted_at"),
            months=Coalesce(F("attempt__quiz__curriculum__recertification_months"), Value(0)),
            **extra,
        )
        .annotate(total=Count("id"), right=Count("id", filter=Q(score__gte=FULL_MARK)))
        .order_by()
    )


def standing_by(*, users: Any, on: date) -> dict[tuple[int, int], str]:
    """By (user id, competency id), demonstrated or expired on `on` (absent: not yet shown): one query for
    the periods in use, one for the standings. Each passed attempt that shows a competency (the rule in
    SQL, `rules.demonstrated_having`) is marked current when it falls on or after its period's first current
    day (`rules.first_current_day`), and the database keeps one row per person and competency."""
    periods = set(CurriculumPage.objects.values_list("recertification_months", flat=True).distinct()) - {0}
    fresh = [
        When(Q(attempt__quiz__curriculum__isnull=True) | Q(attempt__quiz__curriculum__recertification_months=0), then=1)
    ]
    for months in sorted(periods):
        first = first_current_day(recertification_months=months, on=on)
        if first is not None:
            fresh.append(
                When(
                    attempt__quiz__curriculum__recertification_months=months,
                    attempt__submitted_at__gte=_end_of(first - timedelta(days=1)),
                    then=1,
                )
            )
    inner = (
        _passed_attempt_counts(users=users, until=on, fresh=Case(*fresh, default=0, output_field=IntegerField()))
        .filter(demonstrated_having())
        .values_list("uid", "cid", "fresh")
    )
    sql, params = inner.query.sql_with_params()
    outer = f"SELECT uid, cid, MAX(fresh) FROM ({sql}) shown GROUP BY uid, cid"  # noqa: S608 - the ORM's SQL
    with connections[inner.db].cursor() as cursor:
        cursor.execute(outer, params)
        return {
            (user_id, competency_id): Standing.DEMONSTRATED if current else Standing.EXPIRED
            for user_id, competency_id, current in cursor.fetchall()
        }


@dataclass
class LearnerCompetency:
    competency: Competency
    standing: str
    evidence: Shown | None
    lessons: list[LessonPage] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Standing.LABELS[self.standing])


def learner_competencies(*, user_id: int, on: date) -> list[LearnerCompetency]:
    """Every competency of the framework with this learner's standing on `on`, the evidence behind it (which
    quiz, when, how many items right) and, for those not currently shown, the lessons that teach it.
    Five queries whatever the history."""
    competencies = list(Competency.objects.all())
    rows = _passed_attempt_counts(users=[user_id], until=on).annotate(quiz_title=F("attempt__quiz__title"))
    shown: dict[int, list[Shown]] = {}
    for row in rows:
        if shows_competency(right=row["right"], total=row["total"]):
            shown.setdefault(row["cid"], []).append(
                Shown(
                    shown_on=timezone.localdate(row["done"]),
                    recertification_months=row["months"],
                    attempt_id=row["aid"],
                    quiz_title=row["quiz_title"],
                    right=row["right"],
                    total=row["total"],
                )
            )
    result = []
    for competency in competencies:
        state, evidence = standing(shown=shown.get(competency.pk, []), on=on)
        result.append(LearnerCompetency(competency=competency, standing=state, evidence=evidence))
    missing = [item.competency.pk for item in result if item.standing != Standing.DEMONSTRATED]
    lessons = lessons_for(competency_ids=missing)
    for item in result:
        if item.standing != Standing.DEMONSTRATED:
            item.lessons = lessons.get(item.competency.pk, [])
    return result


@dataclass
class WeakItem:
    key: str
    quiz_title: str
    excerpt: str
    right: int
    answered: int

    @property
    def percent_right(self) -> int:
        return round(100 * self.right / self.answered) if self.answered else 0


@dataclass
class CompetencySummary:
    competency: Competency
    demonstrated: int
    expired: int
    staff: int
    weakest: list[WeakItem] = field(default_factory=list)
    lessons: list[LessonPage] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.demonstrated / self.staff) if self.staff else 0


@dataclass
class HeatMapRow:
    member: StaffMember
    cells: list[str]  # a Standing value per competency, in the map's order

    @property
    def demonstrated(self) -> int:
        return sum(1 for cell in self.cells if cell == Standing.DEMONSTRATED)


@dataclass
class HeatMap:
    on: date
    competencies: list[Competency]
    rows: list[HeatMapRow]
    summaries: list[CompetencySummary]


WEAKEST_ITEMS = 3  # items listed per competency
MIN_ANSWERS = 3  # an item answered fewer times by these staff says nothing yet


def heat_map(*, staff: QuerySet[StaffMember], on: date, domain: str = "") -> HeatMap:
    """Competency x staff for a set of staff (an agency, a supervisor's team): each person's standing, and per
    competency the share demonstrating it, the items these staff most often got wrong and the lessons that
    teach it. A fixed number of queries (seven) whatever the number of people or attempts."""
    competencies = list(Competency.objects.filter(domain=domain) if domain else Competency.objects.all())
    members = list(staff.filter(active=True).select_related("user").order_by("user__last_name", "user__first_name"))
    user_ids = [m.user_id for m in members]
    standings = standing_by(users=user_ids, on=on)
    rows = []
    counts = {c.pk: [0, 0] for c in competencies}
    for member in members:
        cells = []
        for competency in competencies:
            state = standings.get((member.user_id, competency.pk), Standing.NOT_YET)
            cells.append(state)
            if state == Standing.DEMONSTRATED:
                counts[competency.pk][0] += 1
            elif state == Standing.EXPIRED:
                counts[competency.pk][1] += 1
        rows.append(HeatMapRow(member=member, cells=cells))
    weakest = weakest_items(users=user_ids, competency_ids=[c.pk for c in competencies], on=on)
    lessons = lessons_for(competency_ids=[c.pk for c in competencies])
    summaries = [
        CompetencySummary(
            competency=c,
            demonstrated=counts[c.pk][0],
            expired=counts[c.pk][1],
            staff=len(members),
            weakest=weakest.get(c.pk, []),
            lessons=lessons.get(c.pk, []),
        )
        for c in competencies
    ]
    return HeatMap(on=on, competencies=competencies, rows=rows, summaries=summaries)


def weakest_items(*, users: list[int], competency_ids: list[int], on: date) -> dict[int, list[WeakItem]]:
    """Per competency, the unretired items these people most often answered wrong in submitted attempts (passed
    or not), weakest first; items answered fewer than MIN_ANSWERS times are left out. Two queries."""
    if not users or not competency_ids:
        return {}
    counts = list(
        Response.objects.filter(
            attempt__user_id__in=users,
            attempt__submitted_at__isnull=False,
            attempt__submitted_at__lt=_end_of(on),
            question__retired=False,
            question__competency_id__in=competency_ids,
        )
        .values("question_id")
        .annotate(answered=Count("id"), right=Count("id", filter=Q(score__gte=FULL_MARK)))
        .filter(answered__gte=MIN_ANSWERS)
        .order_by()
        .values_list("question_id", "answered", "right")
    )
    questions = {
        row["pk"]: row
        for row in Question.objects.filter(pk__in=[c[0] for c in counts]).values(
            "pk", "key", "text", "competency_id", "quiz__title"
        )
    }
    result: dict[int, list[WeakItem]] = {}
    for question_id, answered, right in sorted(counts, key=lambda c: (c[2] / c[1], c[0])):
        question = questions[question_id]
        found = result.setdefault(question["competency_id"], [])
        if len(found) < WEAKEST_ITEMS and right < answered:
            found.append(
                WeakItem(
                    key=question["key"],
                    quiz_title=question["quiz__title"],
                    excerpt=_excerpt(question["text"]),
                    right=right,
                    answered=answered,
                )
            )
    return result


def _excerpt(markdown: str, length: int = 120) -> str:
    """The item's opening words as plain text (author markdown is never rendered unsanitised here)."""
    text = " ".join(strip_tags(str(render_markdown(markdown))).split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class AgencyRollup:
    agency: Agency
    staff: int
    demonstrated: list[int]  # people demonstrating each competency, in the roll-up's order

    def percents(self) -> list[int]:
        return [round(100 * n / self.staff) if self.staff else 0 for n in self.demonstrated]

    @property
    def overall(self) -> int:
        """The share of (person, competency) pairs demonstrated: where the agency stands overall."""
        cells = self.staff * len(self.demonstrated)
        return round(100 * sum(self.demonstrated) / cells) if cells else 0


@dataclass
class ProgramRollup:
    on: date
    competencies: list[Competency]
    agencies: list[AgencyRollup]

    def totals(self) -> list[int]:
        staff = sum(a.staff for a in self.agencies)
        return [
            round(100 * sum(a.demonstrated[i] for a in self.agencies) / staff) if staff else 0
            for i in range(len(self.competencies))
        ]


def program_rollup(*, agencies: QuerySet[Agency], on: date, domain: str = "") -> ProgramRollup:
    """Per agency (weakest overall first), the share of its active staff demonstrating each competency.
    Four queries whatever the number of agencies, people or attempts."""
    competencies = list(Competency.objects.filter(domain=domain) if domain else Competency.objects.all())
    agency_list = list(agencies.order_by("name"))
    staff = list(StaffMember.objects.filter(agency__in=agency_list, active=True).values_list("agency_id", "user_id"))
    standings = standing_by(
        users=StaffMember.objects.filter(agency__in=agency_list, active=True).values("user_id"), on=on
    )
    position = {c.pk: i for i, c in enumerate(competencies)}
    by_agency = {a.pk: AgencyRollup(agency=a, staff=0, demonstrated=[0] * len(competencies)) for a in agency_list}
    people: dict[int, set[int]] = {}
    for agency_id, user_id in staff:
        people.setdefault(user_id, set()).add(agency_id)
        by_agency[agency_id].staff += 1
    for (user_id, competency_id), state in standings.items():
        index = position.get(competency_id)
        if index is None or state != Standing.DEMONSTRATED:
            continue
        for agency_id in people.get(user_id, ()):
            by_agency[agency_id].demonstrated[index] += 1
    rows = sorted(by_agency.values(), key=lambda a: (a.overall, a.agency.name))
    return ProgramRollup(on=on, competencies=competencies, agencies=rows)
