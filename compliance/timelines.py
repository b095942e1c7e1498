"""Dashboard counts from per-person timelines, kept in the cache and checked against the rows' versions.

A dashboard counts every person of its scope on 13 days (the 12-month trend) and pages the matrix. Loading
and evaluating every record on each request took about 2.6 s for an agency of 20,000 staff. Instead, each
person's *timeline* (for each obligation, from which day it has which status: `evaluate` at the start and at
each of its `breakpoints`) is kept in the cache with a fingerprint of the rows it was computed from. A request
reads the fingerprints (one query), recomputes only the people whose fingerprint changed, and counts the
rest from their timelines. The answer is the one `ComplianceRecords.overview` gives, exactly:

- The fingerprint is computed by PostgreSQL from each row's version (`xmin`, the transaction that wrote it,
  and `ctid`, where that version lies: every update writes a new one), id and count, over the person's
  assignments, certificates and role changes. Any write by any code
  path (a service, a bulk update, the Wagtail admin, SQL) changes it; a stale entry is never read.
- It is read *before* the records are loaded, so an entry can pair an older fingerprint with newer records
  (recomputed next time), never the reverse.
- The person's own row (hire date, leaving date, role, user) is read fresh on every request.

PostgreSQL only: SQLite has no row versions, and the embedded default never holds an agency large enough to
need this, so there the dashboard evaluates everything (`ComplianceRecords.overview`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, QuerySet

from agencies.models import RoleChange, StaffMember
from certificates.models import Certificate
from config.gcpause import collector_paused
from curricula.models import Assignment, CurriculumPage

from .queries import (
    RULE_FIELDS,
    STATUS_ONLY,
    ComplianceRecords,
    Matrix,
    Person,
    Row,
    TrendPoint,
    employed_between,
    load_compliance,
    mandated_curricula,
    month_ends,
    recorded_role,
    trend_points,
)
from .status import (
    COMPLIANT,
    COUNTED,
    NOT_APPLICABLE,
    AssignmentFact,
    CertificateFact,
    breakpoints_between,
    evaluate,
)

CACHE_PREFIX = "compliance:timelines:v3:"
CACHE_SECONDS = 14 * 24 * 3600
# Recompute the misses from a list of ids below this many; above it, from the scope's own query.
FEW = 2000
# Timelines cover this many days past the day they are computed for: later views reuse them (the nightly
# warm-up recomputes a person whose entry ends before the day asked for). Evaluating every breakpoint of a
# person's whole future history instead made a first view twice as slow.
HORIZON_DAYS = 62

MAX_STATUS = "\uffff"  # sorts after every status, for bisecting (day, status) runs
Runs = tuple[tuple[int, str], ...]  # (first day as an ordinal, status) in order; the first covers `since`


class Timeline(NamedTuple):
    """One person's statuses from `since` on, per curriculum id, and their recorded roles. A tuple: tens of
    thousands are read from the cache per request, and tuples unpickle several times faster than objects."""

    fingerprint: str
    since: int  # ordinal of the first day the runs cover
    until: int  # ordinal of the last day they cover
    runs: tuple[tuple[int, Runs], ...]  # (curriculum id, runs)
    roles: tuple[tuple[date, str], ...]  # (day of the change, role), oldest first


def supported() -> bool:
    return connection.vendor == "postgresql"


def timeline_runs(
    assignments: Sequence[AssignmentFact], certificates: Sequence[CertificateFact], since: date, until: date
) -> Runs:
    """The status on `since` and at each later breakpoint up to `until` where it changes. Between two
    breakpoints the status is constant (`evaluate` compares only dates `breakpoints` lists), so these runs give
    `evaluate`'s answer on every day of [since, until]."""
    status = evaluate(assignments, certificates, since).status
    runs = [(since.toordinal(), status)]
    for point in sorted(breakpoints_between(assignments, certificates, since, until)):
        now = evaluate(assignments, certificates, point).status
        if now != status:
            runs.append((point.toordinal(), now))
            status = now
    return tuple(runs)


def status_on(runs: Runs, day: int) -> str:
    """The status on `day` (an ordinal not before the runs' first day)."""
    return runs[bisect_right(runs, (day, MAX_STATUS)) - 1][1]


def _fingerprints(staff_ids: QuerySet) -> dict[int, str]:
    """staff id -> a fingerprint of every assignment, certificate and role change row of that person."""
    subquery, params = staff_ids.query.sql_with_params()
    assignment, certificate, role_change, member = (
        m._meta.db_table for m in (Assignment, Certificate, RoleChange, StaffMember)
    )
    # One aggregate per table, each a hash join over the scope. `xmin` (the writing transaction) changes when
    # another transaction writes a row, `ctid` (where the row version lies) whenever a row is updated, even
    # twice in one transaction; ids and counts catch deletes. Summed as numeric, so nothing overflows.
    versions = "count(*) AS n, sum(x.id) AS i, sum(x.xmin::text::bigint) AS v, sum(hashtext(x.ctid::text)) AS p"
    sql = f"""
        WITH s AS MATERIALIZED (SELECT m.id, m.user_id FROM {member} m WHERE m.id IN ({subquery})),
        a AS (SELECT x.staff_id AS k, {versions}
              FROM {assignment} x JOIN s ON s.id = x.staff_id GROUP BY x.staff_id),
        c AS (SELECT x.user_id AS k, {versions}
              FROM {certificate} x JOIN s ON s.user_id = x.user_id GROUP BY x.user_id),
        r AS (SELECT x.staff_id AS k, {versions}
              FROM {role_change} x JOIN s ON s.id = x.staff_id GROUP BY x.staff_id)
        SELECT s.id, concat_ws(',', s.user_id, a.n, a.i, a.v, a.p, c.n, c.i, c.v, c.p, r.n, r.i, r.v, r.p)
        FROM s LEFT JOIN a ON a.k = s.id LEFT JOIN c ON c.k = s.user_id LEFT JOIN r ON r.k = s.id
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _compute(records: ComplianceRecords, fingerprints: dict[int, str], since: date, until: date) -> dict[int, Timeline]:
    user_of = {member.pk: member.user_id for member in records.staff}
    by_staff: dict[int, list[tuple[int, Runs]]] = {}
    for (staff_id, curriculum_id), assignments in records.assignments.items():
        certificates = records.certificates.get((user_of[staff_id], curriculum_id), [])
        runs = timeline_runs(assignments, certificates, since, until)
        by_staff.setdefault(staff_id, []).append((curriculum_id, runs))
    return {
        member.pk: Timeline(
            # A person hired after the fingerprints were read gets none: recomputed on the next request.
            fingerprint=fingerprints.get(member.pk, ""),
            since=since.toordinal(),
            until=until.toordinal(),
            runs=tuple(by_staff.get(member.pk, ())),
            roles=tuple(records.role_history.get(member.pk, ())),
        )
        for member in records.staff
    }


def dashboard_overview(
    *, staff: QuerySet[StaffMember], days: Iterable[date]
) -> tuple[Matrix, list[TrendPoint], ComplianceRecords | None]:
    """What `load_compliance(...).overview(days)` gives (the status-only matrix on the last day and the
    trend over `days`), from cached timelines where they are current. The third value holds the records when
    they were all loaded (no cache, or every entry stale); otherwise None (see `describe_page`)."""
    days = sorted(days)
    start, as_of = days[0], days[-1]
    if not supported():
        records = load_compliance(staff=staff, start=start, end=as_of, details=False)
        matrix, trend = records.overview(days)
        return matrix, trend, records
    with collector_paused():
        return _overview(staff=staff, days=days)


def _overview(*, staff: QuerySet[StaffMember], days: list[date]) -> tuple[Matrix, list[TrendPoint], None]:
    start, as_of = days[0], days[-1]
    in_range = employed_between(staff, start, as_of)
    staff_ids = in_range.order_by().values("pk")
    fingerprints = _fingerprints(staff_ids)  # before the records: see the module's docstring
    people = [
        Person(*row)
        for row in in_range.order_by("agency__name", "user__last_name", "user__first_name", "pk").values_list(
            *RULE_FIELDS
        )
    ]
    columns = mandated_curricula(staff_ids)

    keys = {CACHE_PREFIX + str(agency_id) for agency_id in {p.agency_id for p in people}}
    stored: dict[str, dict[int, Timeline]] = cache.get_many(list(keys))
    timelines: dict[int, Timeline] = {}
    for entries in stored.values():
        timelines.update(entries)
    since, last = start.toordinal(), as_of.toordinal()
    misses = [
        p.pk
        for p in people
        if (t := timelines.get(p.pk)) is None
        or t.fingerprint != fingerprints.get(p.pk)
        or t.since > since
        or t.until < last
    ]
    if misses:
        # Timelines are read on later days too, up to the horizon: load what begins by then.
        until = as_of + timedelta(days=HORIZON_DAYS)
        scope = StaffMember.objects.filter(pk__in=misses) if len(misses) < FEW else in_range
        records = load_compliance(staff=scope, start=start, end=until, curricula=columns, details=False)
        fresh = _compute(records, fingerprints, start, until)
        timelines.update(fresh)
        updated: dict[str, dict[int, Timeline]] = {}
        for p in people:
            if p.pk in fresh:
                key = CACHE_PREFIX + str(p.agency_id)
                if key not in updated:
                    updated[key] = dict(stored.get(key, {}))
                updated[key][p.pk] = fresh[p.pk]
        cache.set_many(updated, CACHE_SECONDS)
    matrix, trend = _count(people, timelines, columns, days)
    return matrix, trend, None


def _count(
    people: list[Person], timelines: dict[int, Timeline], columns: list[CurriculumPage], days: list[date]
) -> tuple[Matrix, list[TrendPoint]]:
    """The trend (runs of days counted as differences, as `ComplianceRecords._trend` does) and the last
    day's status-only matrix."""
    ordinals = [d.toordinal() for d in days]
    count = len(days)
    last_day = days[-1]
    index = {c.pk: i for i, c in enumerate(columns)}
    width = len(columns)
    counted = frozenset(COUNTED)
    compliant = [0] * (count + 1)
    applicable = [0] * (count + 1)
    rows = []
    for member in people:
        timeline = timelines[member.pk]
        first = bisect_left(days, member.hire_date)
        stop = count if member.left_on is None else bisect_left(days, member.left_on)
        cells = None
        if first >= stop:
            continue  # not employed on any of the days
        for curriculum_id, runs in timeline.runs:
            column = index.get(curriculum_id)
            if column is None:
                continue
            # Count each run of days [at, end) in which the status is one run's.
            at = first
            position = bisect_right(runs, (ordinals[at], MAX_STATUS)) - 1
            while at < stop:
                status = runs[position][1]
                following = position + 1
                end = stop if following == len(runs) else bisect_left(ordinals, runs[following][0], at, stop)
                if status in counted:
                    applicable[at] += 1
                    applicable[end] -= 1
                    if status == COMPLIANT:
                        compliant[at] += 1
                        compliant[end] -= 1
                at = end
                if at < stop:
                    position = bisect_right(runs, (ordinals[at], MAX_STATUS), following) - 1
            if stop == count:  # employed on the last day: `status` is that day's
                if cells is None:
                    cells = [NOT_APPLICABLE] * width
                cells[column] = STATUS_ONLY[status]
        if stop == count:
            rows.append(
                Row(
                    staff=member,
                    role=recorded_role(timeline.roles, last_day, current=member.role),
                    cells=cells or [NOT_APPLICABLE] * width,
                )
            )
    trend = trend_points(days, compliant=compliant, applicable=applicable)
    return Matrix(as_of=days[-1], curricula=columns, rows=rows), trend


def describe_page(
    *, staff: QuerySet[StaffMember], matrix: Matrix, rows: list[Row], start: date, records: ComplianceRecords | None
) -> list[Row]:
    """The page's rows described (notes, due dates, evidence, names): from `records` when everything was
    loaded, else from the records of these people only (five queries for a page)."""
    if records is None:
        records = load_compliance(
            staff=staff.filter(pk__in=[r.staff.pk for r in rows]),
            start=start,
            end=matrix.as_of,
            curricula=matrix.curricula,
            details=False,
        )
    return records.describe_rows(matrix, rows)


def warm_dashboards(*, min_staff: int, today: date) -> int:
    """Compute the timelines of every agency with at least `min_staff` current staff, so the first
    dashboard view of the day finds them (run nightly after the assignment sync). Returns how many agencies."""
    if not supported():
        return 0
    days = month_ends(today)
    agencies = (
        StaffMember.objects.filter(active=True)
        .values("agency_id")
        .annotate(people=Count("pk"))
        .filter(people__gte=min_staff)
        .values_list("agency_id", flat=True)
    )
    warmed = 0
    for agency_id in agencies:
        dashboard_overview(staff=StaffMember.objects.filter(agency_id=agency_id), days=days)
        warmed += 1
    return warmed
