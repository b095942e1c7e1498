"""The program view's overview, kept in the cache under a key that changes with every write that could change it.

Computing the overview loads every obligation of every person (1.25-1.4 s at 10,200 staff on PostgreSQL). The
answer depends only on rows of a few tables, the date asked for and the agencies in scope, so it is kept under a
key made of exactly those:

- a fingerprint of every table the overview reads, computed by PostgreSQL from each row's version (`xmin`, the
  writing transaction, and `ctid`, where the version lies: every update writes a new one), its id and the row
  count, the way `timelines` fingerprints one person's rows. Any write by any code path (a service, a bulk
  update, the Wagtail admin, a revocation, a waiver, a mandate edit, SQL) changes it; a stale entry is never
  read. Lesson progress and quiz attempts are not read by the overview and do not change the key;
- the "as of" date, today's date (a new day starts a new key) and the agency ids in scope.

The fingerprint is read *before* the records, so an entry can pair an older fingerprint with newer records
(readers of that fingerprint started before the write committed), never a newer fingerprint with older ones.

PostgreSQL only: SQLite has no row versions, and the embedded default never holds a program large enough to need
this, so there the overview is computed on every request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Model, QuerySet
from wagtail.models import Page

from agencies.models import Agency, RoleChange, ServiceCategory, StaffMember
from certificates.models import Certificate
from curricula.models import Assignment, CurriculumPage, Requirement

from .queries import ProgramOverview, program_overview

CACHE_PREFIX = "compliance:program:v1:"
CACHE_SECONDS = 24 * 3600  # the key changes at midnight anyway (today is part of it)

# Every table `program_overview` reads, directly or through a mandate's categories. Page: curriculum titles.
SOURCES: tuple[type[Model], ...] = (
    Assignment,
    Certificate,
    RoleChange,
    StaffMember,
    Agency,
    Agency.categories.through,
    ServiceCategory,
    Requirement,
    Requirement.categories.through,
    CurriculumPage,
    Page,
)


def supported() -> bool:
    return connection.vendor == "postgresql"


def data_fingerprint(models: Iterable[type[Model]] = SOURCES) -> str:
    """A fingerprint of every row of these tables (PostgreSQL): changes with any insert, update or delete. One
    query, a sequential scan per table (no index helps an aggregate over every row)."""
    parts = []
    for model in models:
        table, pk = model._meta.db_table, model._meta.pk.column
        parts.append(
            f"SELECT count(*), sum(x.{pk}), sum(x.xmin::text::bigint), sum(hashtext(x.ctid::text)) FROM {table} x"  # noqa: S608
        )
    sql = " UNION ALL ".join(f"({part})" for part in parts)  # noqa: S608 - names come from the models
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return ";".join(",".join(str(value) for value in row) for row in cursor.fetchall())


def program_overview_key(*, fingerprint: str, agency_ids: Iterable[int], as_of: date, today: date, months: int) -> str:
    scope = ",".join(map(str, sorted(agency_ids)))
    text = f"{fingerprint}|{scope}|{as_of.isoformat()}|{today.isoformat()}|{months}"
    return CACHE_PREFIX + hashlib.sha256(text.encode()).hexdigest()


def _key_and_scope(
    *, agencies: QuerySet[Agency], as_of: date, today: date, months: int
) -> tuple[str | None, list[int]]:
    """(the overview's key, the agency ids in scope); no key where the database keeps no row versions."""
    if not supported():
        return None, []
    fingerprint = data_fingerprint()  # before the records: see the module's docstring
    agency_ids = list(agencies.order_by().values_list("pk", flat=True))
    key = program_overview_key(fingerprint=fingerprint, agency_ids=agency_ids, as_of=as_of, today=today, months=months)
    return key, agency_ids


def _overview(
    *, key: str | None, agencies: QuerySet[Agency], agency_ids: list[int], as_of: date, months: int
) -> ProgramOverview:
    if key is None:
        return program_overview(agencies=agencies, as_of=as_of, months=months)
    overview = cache.get(key)
    if overview is None:
        overview = program_overview(agencies=Agency.objects.filter(pk__in=agency_ids), as_of=as_of, months=months)
        cache.set(key, overview, CACHE_SECONDS)
    return overview


def cached_program_overview(
    *, agencies: QuerySet[Agency], as_of: date, today: date, months: int = 12
) -> ProgramOverview:
    """`program_overview` as it is now: from the cache when no table it reads has changed since it was kept."""
    key, agency_ids = _key_and_scope(agencies=agencies, as_of=as_of, today=today, months=months)
    return _overview(key=key, agencies=agencies, agency_ids=agency_ids, as_of=as_of, months=months)


def cached_program_page(
    *,
    agencies: QuerySet[Agency],
    as_of: date,
    today: date,
    variant: str,
    render: Callable[[ProgramOverview], str],
    months: int = 12,
) -> str:
    """The program view's rendered body (`render(overview)`), kept under the overview's key plus `variant`
    (the language and whatever else the page shows differently): at 10,000 staff and 200 agencies, rendering
    the two tables costs more than reading the kept overview, so a hit reads one string. Exact for the same
    reason as the overview; computed and rendered on each request where there is no key (SQLite)."""
    key, agency_ids = _key_and_scope(agencies=agencies, as_of=as_of, today=today, months=months)
    page_key = f"{key}:page:{hashlib.sha256(variant.encode()).hexdigest()}" if key else None
    body = cache.get(page_key) if page_key else None
    if body is None:
        body = render(_overview(key=key, agencies=agencies, agency_ids=agency_ids, as_of=as_of, months=months))
        if page_key:
            cache.set(page_key, body, CACHE_SECONDS)
    return body
