"""Compliance as of any date, computed from the records (assignments and certificates), never a stored flag.

`load_compliance` reads everything in a fixed number of queries; `ComplianceRecords.matrix(as_of)` then
evaluates a date in Python, so the 12-month trend costs no more queries than a single date. The rules
themselves live in status.py; the dashboard, the program view, the exports and the trend all use them.

A dashboard shows one page of people but totals for all of them: `ComplianceRecords.overview` gives every
cell's status (no notes) and the trend in one pass, and `describe_rows` adds the notes, names and evidence
for the page's rows only, so the cost of the details does not grow with the agency.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from django.db.models import DateField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from agencies.models import Agency, JobRole, RoleChange, ServiceCategory, StaffMember
from certificates.models import Certificate
from config.gcpause import collector_paused
from curricula.models import Assignment, AssignmentSource, AssignmentState, CurriculumPage, Requirement

from .status import (
    COMPLIANT,
    COUNTED,
    HEADLINE_RULE,
    NOT_APPLICABLE,
    STATUS_LABELS,
    AssignmentFact,
    Cell,
    CertificateFact,
    Status,
    Totals,
    breakpoints_between,
    describe,
    employed_on,
    employed_q,
    evaluate,
)

__all__ = [
    "HEADLINE_RULE", "STATUS_LABELS", "Cell", "Matrix", "Status", "Totals", "compliance_matrix", "load_compliance",
    "supervisors_of",
]  # fmt: skip

MANDATED_SOURCES = (AssignmentSource.REQUIREMENT, AssignmentSource.RECERTIFICATION)
# What the rules read of a person (employed_on, role_on, the obligations index), and the dashboard filters.
RULE_FIELDS = ("pk", "user_id", "agency_id", "role", "hire_date", "left_on", "supervisor_id")
ROLE_LABELS = dict(JobRole.choices)
# A status without its notes, due date or certificate: what counts and filters need. Rows made of these are
# never shown; `ComplianceRecords.describe_rows` replaces them with the described cells.
STATUS_ONLY = {status.value: Cell(status=status.value) for status in Status}
STATUS_ONLY[Status.NOT_APPLICABLE.value] = NOT_APPLICABLE


@dataclass(slots=True)
class Person:
    """A staff member as the rules and the dashboard filters read them (`RULE_FIELDS`): what
    `load_compliance(details=False)` loads instead of a model instance, at a third of the cost."""

    pk: int
    user_id: int
    agency_id: int
    role: str
    hire_date: date
    left_on: date | None
    supervisor_id: int | None


@dataclass
class Row:
    staff: StaffMember | Person
    role: str
    cells: list[Cell]

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))  # the label in the active language


@dataclass
class Matrix:
    """Staff (rows) by mandated curriculum (columns), as of one date."""

    as_of: date
    curricula: list[CurriculumPage]
    rows: list[Row]

    def filtered(
        self,
        *,
        role: str | None = None,
        supervisor_id: int | None = None,
        status: str | None = None,
        curriculum_id: int | None = None,
    ) -> Matrix:
        """The same matrix narrowed to a role, a supervisor's team, a status and/or one curriculum."""
        curricula = self.curricula
        rows = self.rows
        if curriculum_id is not None:
            index = next((i for i, c in enumerate(curricula) if c.pk == curriculum_id), None)
            if index is None:
                return Matrix(as_of=self.as_of, curricula=[], rows=[])
            curricula = [curricula[index]]
            rows = [Row(staff=r.staff, role=r.role, cells=[r.cells[index]]) for r in rows]
        if role:
            rows = [r for r in rows if r.role == role]
        if supervisor_id is not None:
            rows = [r for r in rows if r.staff.supervisor_id == supervisor_id]
        if status:
            rows = [r for r in rows if any(c.status == status for c in r.cells)]
        return Matrix(as_of=self.as_of, curricula=curricula, rows=rows)

    def overall(self) -> Totals:
        return _count(self.rows)

    def headline(
        self, *, role: str | None = None, supervisor_id: int | None = None, curriculum_id: int | None = None
    ) -> Totals:
        """The headline counts of the people and curricula these filters keep, whatever the status filter:
        narrowing the table to "Overdue" must not make the agency look better or worse than it is."""
        return self.filtered(role=role, supervisor_id=supervisor_id, curriculum_id=curriculum_id).overall()

    def totals_by_curriculum(self) -> list[tuple[CurriculumPage, Totals]]:
        columns = zip(*(row.cells for row in self.rows), strict=True) if self.rows else [()] * len(self.curricula)
        return [
            (curriculum, Totals(Counter(map(_status, column))))
            for curriculum, column in zip(self.curricula, columns, strict=True)
        ]

    def totals_by_role(self) -> list[tuple[str, int, Totals]]:
        """(role label, number of people, totals), roles in the order of the job role list."""
        rows_by_role: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            rows_by_role[row.role].append(row)
        by_role = {role: _count(rows) for role, rows in rows_by_role.items()}
        people = {role: len(rows) for role, rows in rows_by_role.items()}
        order = {code: i for i, code in enumerate(ROLE_LABELS)}
        return [
            (str(ROLE_LABELS.get(role, role)), people[role], by_role[role])
            for role in sorted(by_role, key=lambda r: order.get(r, len(order)))
        ]

    def supervisors(self) -> list[StaffMember]:
        """The supervisors of these people, by name, from the rows' loaded details."""
        loaded = [cast(StaffMember, r.staff) for r in self.rows]  # rows loaded with details: model instances
        found = {s.supervisor_id: cast(StaffMember, s.supervisor) for s in loaded if s.supervisor_id}
        return sorted(found.values(), key=lambda s: s.display_name.lower())


_status = attrgetter("status")


def _count(rows: Iterable[Row]) -> Totals:
    """Every cell of these rows by status (counted in C: a large agency has a quarter of a million cells)."""
    return Totals(Counter(map(_status, chain.from_iterable(row.cells for row in rows))))


def supervisors_of(rows: Sequence[Row]) -> list[StaffMember]:
    """The supervisors of these people (loaded without details), by name. One query."""
    ids = {r.staff.supervisor_id for r in rows if r.staff.supervisor_id}
    found = StaffMember.objects.filter(pk__in=ids).select_related("user") if ids else []
    return sorted(found, key=lambda s: s.display_name.lower())


@dataclass(frozen=True)
class TrendPoint:
    day: date
    compliant: int
    applicable: int

    @property
    def rate(self) -> float | None:
        return self.compliant / self.applicable if self.applicable else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def recorded_role(history: Sequence[tuple[date, str]], day: date, *, current: str) -> str:
    """The role recorded on that day, from (day of change, role) oldest first. Before the first recorded
    change, the first recorded role (the roster records one when a person is added); with no history at all,
    the current role."""
    if not history:
        return current
    role = history[0][1]
    for changed_on, new_role in history:
        if changed_on > day:
            break
        role = new_role
    return role


@dataclass
class ComplianceRecords:
    """Everything needed to evaluate compliance for a set of staff on any date in [start, end]."""

    start: date
    end: date
    staff: list[StaffMember] | list[Person]
    curricula: list[CurriculumPage]
    role_history: dict[int, list[tuple[date, str]]]
    assignments: dict[tuple[int, int], list[AssignmentFact]]
    certificates: dict[tuple[int, int], list[CertificateFact]]
    # staff id -> [(column index, assignments, certificates)] for the columns where they had an obligation;
    # every other cell is "not applicable" without evaluating anything.
    obligations: dict[int, list[tuple[int, list[AssignmentFact], list[CertificateFact]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.obligations:
            return
        index = {c.pk: i for i, c in enumerate(self.curricula)}
        user_of = {m.pk: m.user_id for m in self.staff}
        for (staff_id, curriculum_id), facts in self.assignments.items():
            if staff_id in user_of:
                certs = self.certificates.get((user_of[staff_id], curriculum_id), [])
                self.obligations.setdefault(staff_id, []).append((index[curriculum_id], facts, certs))

    def role_on(self, member: StaffMember | Person, day: date) -> str:
        return recorded_role(self.role_history.get(member.pk, ()), day, current=member.role)

    def _check(self, day: date) -> None:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the loaded range {self.start}..{self.end}.")

    def matrix(self, as_of: date) -> Matrix:
        self._check(as_of)
        rows = []
        width = len(self.curricula)
        for member in self.staff:
            if not employed_on(member, as_of):
                continue
            cells = [NOT_APPLICABLE] * width
            for column, assignments, certificates in self.obligations.get(member.pk, ()):
                cells[column] = describe(assignments, certificates, as_of)
            rows.append(Row(staff=member, role=self.role_on(member, as_of), cells=cells))
        return Matrix(as_of=as_of, curricula=self.curricula, rows=rows)

    def statuses(self, as_of: date) -> Iterable[tuple[StaffMember | Person, int, str, AssignmentFact]]:
        """(person, column, status, governing assignment) of every applicable cell: counts without notes."""
        self._check(as_of)
        for member in self.staff:
            if not employed_on(member, as_of):
                continue
            for column, assignments, certificates in self.obligations.get(member.pk, ()):
                found = evaluate(assignments, certificates, as_of)
                status, governing = found.status, found.governing
                if governing is not None:
                    yield member, column, status, governing

    def trend(self, days: Iterable[date], *, staff_ids: set[int] | None = None) -> list[TrendPoint]:
        """The compliance rate on each day: counts only, no cell details. A person's status is re-evaluated
        only when one of their records changes between two dates, so many dates stay cheap."""
        return self._trend(sorted(days), staff_ids=staff_ids)

    def overview(self, days: Iterable[date]) -> tuple[Matrix, list[TrendPoint]]:
        """The matrix on the last of `days` with statuses only (no notes, names or evidence: see
        `describe_rows`), and the trend over `days`, from one evaluation of every obligation."""
        days = sorted(days)
        as_of = days[-1]
        width = len(self.curricula)
        last: list[tuple[int, int, str]] = []
        trend = self._trend(days, staff_ids=None, last=last)
        statuses: dict[int, list[Cell]] = {}
        for staff_id, column, status in last:
            if (cells := statuses.get(staff_id)) is None:
                cells = statuses[staff_id] = [NOT_APPLICABLE] * width
            cells[column] = STATUS_ONLY[status]
        rows = [
            Row(staff=m, role=self.role_on(m, as_of), cells=statuses.get(m.pk) or [NOT_APPLICABLE] * width)
            for m in self.staff
            if employed_on(m, as_of)
        ]
        return Matrix(as_of=as_of, curricula=self.curricula, rows=rows), trend

    def describe_rows(self, matrix: Matrix, rows: Iterable[Row]) -> list[Row]:
        """These rows of `matrix` (a page), described as `matrix(as_of)` would: each cell with its notes, due
        date and evidence, each person with their name, agency and supervisor. One query, for these people."""
        rows = list(rows)
        self._check(matrix.as_of)
        index = {c.pk: i for i, c in enumerate(self.curricula)}
        columns = [index[c.pk] for c in matrix.curricula]
        people = (
            StaffMember.objects.filter(pk__in=[r.staff.pk for r in rows])
            .select_related("user", "agency", "supervisor__user")
            .in_bulk()
        )
        described = []
        for row in rows:
            work = {column: (a, c) for column, a, c in self.obligations.get(row.staff.pk, ())}
            cells = [describe(*work[i], matrix.as_of) if i in work else NOT_APPLICABLE for i in columns]
            described.append(Row(staff=people[row.staff.pk], role=row.role, cells=cells))
        return described

    def _trend(
        self,
        days: list[date],
        *,
        staff_ids: set[int] | None,
        last: list[tuple[int, int, str]] | None = None,
    ) -> list[TrendPoint]:
        """The trend; with `last`, also (staff id, column, status) of every obligation on the last day."""
        for day in days:
            self._check(day)
        # Counts are kept as differences (+1 where a run of days starts, -1 after it ends) and summed at the
        # end: between two breakpoints a status is constant, so each obligation is evaluated once per run of
        # days it spends between two of its breakpoints (usually once or twice in a year), not once per day.
        count = len(days)
        counted = frozenset(COUNTED)
        compliant = [0] * (count + 1)
        applicable = [0] * (count + 1)
        for member in self.staff:
            work = self.obligations.get(member.pk)
            if not work or (staff_ids is not None and member.pk not in staff_ids):
                continue
            # The days employed are consecutive: [first, stop).
            first = bisect_left(days, member.hire_date)
            stop = count if member.left_on is None else bisect_left(days, member.left_on)
            if first >= stop:
                continue
            after, until = days[first], days[stop - 1]
            for column, assignments, certificates in work:
                # Only breakpoints after the first day employed and up to the last one start a new run.
                inside = breakpoints_between(assignments, certificates, after, until) if after < until else ()
                ends = [*sorted({bisect_left(days, point) for point in inside}), stop] if inside else (stop,)
                start = first
                for end in ends:
                    status = evaluate(assignments, certificates, days[start]).status
                    if status in counted:
                        applicable[start] += 1
                        applicable[end] -= 1
                        if status == COMPLIANT:
                            compliant[start] += 1
                            compliant[end] -= 1
                    start = end
                if last is not None and stop == count:
                    last.append((member.pk, column, status))
        return trend_points(days, compliant=compliant, applicable=applicable)


def trend_points(days: Sequence[date], *, compliant: list[int], applicable: list[int]) -> list[TrendPoint]:
    """The trend from counts kept as differences (+1 on the day index a run starts, -1 on the one after it
    ends; one extra slot at the end), summed into a point per day."""
    count = len(days)
    return [
        TrendPoint(day=day, compliant=c, applicable=a)
        for day, c, a in zip(days, accumulate(compliant[:count]), accumulate(applicable[:count]), strict=True)
    ]


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The last day of each of the last `months` months, oldest first; the current month ends at as_of."""
    days = []
    for back in range(months - 1, -1, -1):
        first = as_of.replace(day=1) - relativedelta(months=back)
        end = first + relativedelta(months=1, days=-1)
        days.append(min(end, as_of))
    return days


def employed_between(staff: QuerySet[StaffMember], start: date, end: date) -> QuerySet[StaffMember]:
    """The people who worked there on at least one day of [start, end]."""
    return staff.filter(employed_q(start=start, end=end))


def local_date(name: str) -> ExpressionWrapper[TruncDate]:
    """The local date of a timestamp, computed by the database. Wrapped so that Django does not pass each
    value through TruncDate's own converter, a Python call per value (a quarter of a second per 100,000)."""
    return ExpressionWrapper(TruncDate(name), output_field=DateField())


def mandated_curricula(staff_ids: QuerySet[StaffMember, Any]) -> list[CurriculumPage]:
    """The compliance columns: every curriculum these people (a query of staff ids) ever had a mandated
    assignment for, by code. One query."""
    mandated = Assignment.objects.filter(staff__in=staff_ids, source__in=MANDATED_SOURCES).values("curriculum_id")
    return list(CurriculumPage.objects.filter(pk__in=mandated).order_by("code"))


def load_compliance(
    *,
    staff: QuerySet[StaffMember],
    start: date,
    end: date,
    curricula: Iterable[CurriculumPage] | None = None,
    details: bool = True,
) -> ComplianceRecords:
    """Five queries (four when `curricula` is given) whatever the number of people or dates.

    Columns default to the curricula for which these people ever had a mandated assignment. Without
    `details`, people are loaded with only the fields the rules read (no names, agency or supervisor): what
    counts need (as `Person`), at a third of the cost."""
    with collector_paused():
        return _load(staff=staff, start=start, end=end, curricula=curricula, details=details)


def _load(
    *,
    staff: QuerySet[StaffMember],
    start: date,
    end: date,
    curricula: Iterable[CurriculumPage] | None,
    details: bool,
) -> ComplianceRecords:
    if start > end:
        raise ValueError("start must not be after end")
    in_range = employed_between(staff, start, end)
    ordered = in_range.order_by("agency__name", "user__last_name", "user__first_name", "pk")
    members: list[StaffMember] | list[Person]
    if details:
        members = list(ordered.select_related("user", "agency", "supervisor__user"))
    else:
        members = [Person(*row) for row in ordered.values_list(*RULE_FIELDS)]
    staff_ids = in_range.order_by().values("pk")
    user_ids = in_range.order_by().values("user_id")

    columns = mandated_curricula(staff_ids) if curricula is None else sorted(curricula, key=lambda c: c.code)
    curriculum_ids = [c.pk for c in columns]
    by_code = {c.code: c.pk for c in columns}

    role_history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for staff_id, role, changed_on in (
        RoleChange.objects.filter(staff__in=staff_ids)
        .order_by("changed_at", "pk")
        .values_list("staff_id", "role", local_date("changed_at"))
    ):
        role_history[staff_id].append((changed_on, role))

    assignments: dict[tuple[int, int], list[AssignmentFact]] = defaultdict(list)
    rows = (
        Assignment.objects.filter(
            staff__in=staff_ids, curriculum_id__in=curriculum_ids, source__in=MANDATED_SOURCES, required_from__lte=end
        )
        .exclude(state=AssignmentState.WITHDRAWN, closed_on__lte=start)
        .order_by()  # sorted per person and curriculum below: sorting them all in SQL spilled to disk
        .values_list(
            "pk", "staff_id", "curriculum_id", "requirement_id", "required_from", "due_on", "state", "closed_on",
            "waived_reason",
        )
    )  # fmt: skip
    for row in rows:
        assignments[(row[1], row[2])].append(AssignmentFact(*row))
    for facts in assignments.values():
        if len(facts) > 1:
            facts.sort(key=lambda f: (f.required_from, f.id))

    # A certificate superseded (and not revoked) before `start` can decide no date in range: leave it out.
    tz = timezone.get_current_timezone()
    start_at = timezone.make_aware(datetime.combine(start, time.min), tz)
    certificates: dict[tuple[int, int], list[CertificateFact]] = defaultdict(list)
    # Local dates come from the database (TruncDate in the current time zone): converting tens of thousands
    # of datetimes in Python was a third of the program view's time.
    certs = (
        Certificate.objects.filter(user_id__in=user_ids)
        .filter(Q(curriculum_id__in=curriculum_ids) | Q(curriculum__isnull=True, curriculum_code__in=list(by_code)))
        .exclude(superseded_at__lt=start_at, revoked_at__isnull=True)
        .order_by()  # sorted per person and curriculum below
        .values_list(
            "pk", "user_id", "curriculum_id", "curriculum_code", "serial", "completed_on", "expires_on",
            local_date("issued_at"), local_date("revoked_at"), local_date("superseded_at"),
        )
    )  # fmt: skip
    for pk, user_id, curriculum_id, code, serial, completed_on, expires_on, issued, revoked, superseded in certs:
        curriculum_id = curriculum_id or by_code[code]
        certificates[(user_id, curriculum_id)].append(
            CertificateFact(
                pk, user_id, curriculum_id, serial or "", completed_on, expires_on, issued, revoked, superseded
            )
        )
    for cert_facts in certificates.values():
        if len(cert_facts) > 1:
            cert_facts.sort(key=lambda f: (f.issued_on, f.id))
    return ComplianceRecords(
        start=start,
        end=end,
        staff=members,
        curricula=columns,
        role_history=dict(role_history),
        assignments=dict(assignments),
        certificates=dict(certificates),
    )


def compliance_matrix(
    *, staff: QuerySet[StaffMember], as_of: date, curricula: Iterable[CurriculumPage] | None = None
) -> Matrix:
    """Per person employed on `as_of`, per mandated curriculum: the status that day, from the records."""
    return load_compliance(staff=staff, start=as_of, end=as_of, curricula=curricula).matrix(as_of)


# Program view -----------------------------------------------------------------------------------------


@dataclass
class AgencySummary:
    agency: Agency
    people: int
    overall: Totals
    by_curriculum: list[Totals]
    by_category: list[Totals | None]  # None where the agency is not funded for the category


@dataclass
class ProgramOverview:
    as_of: date
    curricula: list[CurriculumPage]
    categories: list[ServiceCategory]
    agencies: list[AgencySummary]
    overall: Totals
    by_curriculum: list[Totals]
    by_category: list[Totals]
    trend: list[TrendPoint]


def program_overview(*, agencies: QuerySet[Agency], as_of: date, months: int = 12) -> ProgramOverview:
    """Every agency's rate per mandated curriculum and per funded service category, furthest behind first,
    plus the program-wide rate at each of the last `months` month ends. A fixed number of queries."""
    with collector_paused():
        return _overview(agencies=agencies, as_of=as_of, months=months)


def _overview(*, agencies: QuerySet[Agency], as_of: date, months: int) -> ProgramOverview:
    agency_list = list(agencies.order_by("name"))
    agency_ids = [a.pk for a in agency_list]
    days = month_ends(as_of, months)
    records = load_compliance(
        staff=StaffMember.objects.filter(agency_id__in=agency_ids), start=days[0], end=as_of, details=False
    )
    curricula = records.curricula

    funded: dict[int, set[int]] = defaultdict(set)
    for agency_id, category_id in Agency.categories.through.objects.filter(agency_id__in=agency_ids).values_list(
        "agency_id", "servicecategory_id"
    ):
        funded[agency_id].add(category_id)
    requirement_categories: dict[int | None, set[int]] = defaultdict(set)
    curriculum_categories: dict[int, set[int]] = defaultdict(set)
    for requirement_id, curriculum_id, category_id in Requirement.categories.through.objects.filter(
        requirement__curriculum_id__in=[c.pk for c in curricula]
    ).values_list("requirement_id", "requirement__curriculum_id", "servicecategory_id"):
        requirement_categories[requirement_id].add(category_id)
        curriculum_categories[curriculum_id].add(category_id)
    all_funded = set().union(*funded.values()) if funded else set()
    categories = list(ServiceCategory.objects.filter(pk__in=all_funded).order_by("code"))
    category_index = {c.pk: i for i, c in enumerate(categories)}

    summaries = {
        a.pk: AgencySummary(
            agency=a,
            people=0,
            overall=Totals(),
            by_curriculum=[Totals() for _ in curricula],
            by_category=[Totals() if c.pk in funded[a.pk] else None for c in categories],
        )
        for a in agency_list
    }
    program_curriculum = [Totals() for _ in curricula]
    program_category = [Totals() for _ in categories]
    overall = Totals()
    applicable_cells: Counter[tuple[int, int]] = Counter()
    for member in records.staff:
        if employed_on(member, as_of):
            summaries[member.agency_id].people += 1
    for member, column, status, governing in records.statuses(as_of):
        summary = summaries[member.agency_id]
        applicable_cells[(member.agency_id, column)] += 1
        for totals in (summary.overall, summary.by_curriculum[column], program_curriculum[column], overall):
            totals.add(status)
        cats = requirement_categories.get(governing.requirement_id) or curriculum_categories.get(
            curricula[column].pk, set()
        )
        for category_id in cats & funded[member.agency_id]:
            cast(Totals, summary.by_category[category_index[category_id]]).add(status)  # funded: has totals
            program_category[category_index[category_id]].add(status)
    # Every other cell of an employed person is "not applicable".
    for summary in summaries.values():
        for column, totals in enumerate(summary.by_curriculum):
            missing = summary.people - applicable_cells[(summary.agency.pk, column)]
            for target in (totals, summary.overall, program_curriculum[column], overall):
                target.counts[Status.NOT_APPLICABLE] += missing

    def behind_first(s: AgencySummary) -> tuple[bool, float, int, str]:
        rate = s.overall.rate
        return (rate is None, rate if rate is not None else 0.0, -s.overall.behind, s.agency.name)

    return ProgramOverview(
        as_of=as_of,
        curricula=curricula,
        categories=categories,
        agencies=sorted(summaries.values(), key=behind_first),
        overall=overall,
        by_curriculum=program_curriculum,
        by_category=program_category,
        trend=records.trend(days),
    )
