"""One very large agency (20,000 staff at scale 1) on top of a seeded program, for the agency dashboard case.

The agency is funded for every service category, so every mandate applies to someone there. People and
their history are written with `fastinsert` and the same history rules as the main seed (`seed._history`);
`BigAgency` adds it in a transaction before the case's first run and rolls it back after the last, so no
other case (the program view, the jobs) sees it and a kept database stays as seeded."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from .seed import ALL_CATEGORIES, ROLES_WEIGHTED, SeedReport, Volumes, _analyze, _history, _Mandate, _Member

BIG_SLUG = "agency-big"


def _mandates_from_database() -> list[_Mandate]:
    from curricula.models import Requirement

    mandates = []
    for requirement in (
        Requirement.objects.filter(active=True).select_related("curriculum").prefetch_related("categories")
    ):
        mandates.append(
            _Mandate(
                requirement=requirement,
                curriculum=requirement.curriculum,
                categories={c.code for c in requirement.categories.all()},
                roles=set(requirement.roles),
                due_days=requirement.due_days_after_hire,
                months=requirement.curriculum.recertification_months,
            )
        )
    return mandates


def seed_big_agency(*, staff: int, today: date, seed_value: int = 7) -> tuple[int, int]:
    """Create the agency with `staff` learners (supervisors with teams, some leavers), their role history,
    assignments and certificates, plus one administrator. Returns (agency id, administrator's user id)."""
    from django.contrib.auth import get_user_model

    from agencies.models import Agency, RoleChange, ServiceCategory, StaffMember

    from .fastinsert import insert_rows, next_id, reset_sequences

    started = time.perf_counter()
    rng = random.Random(seed_value)
    agency = Agency.objects.create(name=f"Agency Big ({staff} staff)", slug=BIG_SLUG)
    agency.categories.set(ServiceCategory.objects.filter(code__in=ALL_CATEGORIES))
    user_model = get_user_model()
    first_user = next_id(user_model)
    first_staff = next_id(StaffMember)
    joined = datetime(today.year - 5, 1, 2, 17, 0, tzinfo=UTC)
    names = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Foster", "Garcia", "Hughes", "Ibrahim", "Jones"]
    insert_rows(
        user_model,
        ["id", "username", "email", "first_name", "last_name", "password", "is_active", "is_staff", "is_superuser",
         "date_joined"],
        ((first_user + i, f"big{i}@bench.example", f"big{i}@bench.example", f"Big{i}", rng.choice(names), "!",
          True, False, False, joined) for i in range(staff + 1)),
    )  # fmt: skip
    members: list[_Member] = []
    for i in range(staff):
        role = "supervisor" if i % 25 == 0 else rng.choice(ROLES_WEIGHTED)
        hired = today - timedelta(days=rng.randint(20, 6 * 365))
        left = None
        if rng.random() < 0.08:
            candidate = hired + timedelta(days=rng.randint(30, max(31, (today - hired).days - 1)))
            left = candidate if candidate < today else None
        members.append(_Member(first_staff + i, first_user + i, agency.pk, role, hired, left))
    bosses = [m.id for m in members if m.role == "supervisor" and m.left is None]
    now = datetime.now(UTC)
    rows = [
        (m.id, m.user_id, m.agency_id, m.role, m.hired, None if m.role == "supervisor" else rng.choice(bosses),
         m.left is None, m.left, False, now, now)
        for m in members
    ]  # fmt: skip
    admin_user = first_user + staff
    rows.append((first_staff + staff, admin_user, agency.pk, "other", today - timedelta(days=900), None, True, None,
                 True, now, now))  # fmt: skip
    rows.sort(key=lambda r: r[5] is not None)  # supervisors first (foreign key on PostgreSQL)
    insert_rows(
        StaffMember,
        ["id", "user_id", "agency_id", "role", "hire_date", "supervisor_id", "active", "left_on", "is_agency_admin",
         "created_at", "updated_at"],
        rows,
    )  # fmt: skip
    first_change = next_id(RoleChange)
    insert_rows(
        RoleChange,
        ["id", "staff_id", "role", "changed_at"],
        ((first_change + n, r[0], r[3], datetime(r[4].year, r[4].month, r[4].day, 17, tzinfo=UTC))
         for n, r in enumerate(rows)),
    )  # fmt: skip
    report = SeedReport(volumes=Volumes())
    _history(members, _mandates_from_database(), {agency.pk: set(ALL_CATEGORIES)}, {}, today, rng, report)
    from certificates.models import Certificate
    from curricula.models import Assignment, CurriculumCompletion

    reset_sequences(user_model, StaffMember, RoleChange, Assignment, CurriculumCompletion, Certificate)
    _analyze()
    print(
        f"  big agency: {staff} staff, {report.counts['assignments']} assignments, "
        f"{report.counts['certificates']} certificates in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return agency.pk, admin_user


class BigAgency:
    """before_all / run / after_all of the "very large agency" case: its administrator's dashboard, page 1."""

    def __init__(self, *, staff: int, today: date) -> None:
        self.staff, self.today = staff, today
        self.block = None
        self.client = None
        self.url = ""

    def add(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db import transaction
        from django.test import Client
        from django.urls import reverse

        self.block = transaction.atomic()
        self.block.__enter__()
        _, admin_id = seed_big_agency(staff=self.staff, today=self.today)
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(pk=admin_id))
        self.url = reverse("compliance:agency", args=[BIG_SLUG])

    def fetch(self) -> int:
        from .cases import fetch

        return fetch(self.client, self.url)

    def remove(self) -> None:
        from django.db import transaction

        transaction.set_rollback(True)
        self.block.__exit__(None, None, None)
