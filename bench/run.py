"""Benchmark compliance reporting at realistic volume, in a throwaway SQLite database.

Seeds (by default) 20 agencies, 5,000 staff, 10 mandates, ~30,000 assignments with their completions and
certificates (renewal cycles, expiries, waivers, withdrawals, revocations, people who left), then prints
timings and query counts for compliance_matrix, the agency dashboard, the program view and the exports.

    .venv/bin/python bench/run.py [--agencies 20] [--staff 5000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROLES_WEIGHTED = ["mcm"] * 5 + ["nmcm"] * 4 + ["ccms"] * 1 + ["peer"] * 2
CATEGORIES = [
    ("MCM", "Medical Case Management"),
    ("NMCM", "Non-Medical Case Management"),
    ("NMCM-SUD", "NMCM targeting substance use disorder"),
    ("CCMS", "Clinical case management/supervision"),
]
# (code, categories, roles): two core mandates for everyone, the rest by service and role.
MANDATES = [
    ("BN-101", ["MCM", "NMCM", "NMCM-SUD", "CCMS"], ["mcm", "nmcm", "ccms", "supervisor", "peer"]),
    ("BN-102", ["MCM", "NMCM", "NMCM-SUD", "CCMS"], ["mcm", "nmcm", "ccms", "supervisor"]),
    ("BN-103", ["MCM", "NMCM"], ["mcm", "nmcm", "supervisor"]),
    ("BN-104", ["NMCM-SUD", "CCMS"], ["nmcm", "ccms", "peer"]),
    ("BN-105", ["MCM"], ["mcm", "ccms"]),
    ("BN-106", ["MCM"], ["mcm", "ccms", "supervisor"]),
    ("BN-107", ["NMCM"], ["nmcm", "peer"]),
    ("BN-108", ["NMCM"], ["nmcm"]),
    ("BN-109", ["NMCM-SUD"], ["nmcm", "peer"]),
    ("BN-110", ["CCMS"], ["ccms", "supervisor"]),
]


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()


def seed(*, agencies: int, staff: int, today: date, rng: random.Random) -> dict:
    """Bulk inserts only: the seed is not what is being measured."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page

    from agencies.models import Agency, ServiceCategory, StaffMember, TrainingCoordinator
    from certificates.codes import new_code
    from certificates.models import Certificate
    from content.models import HomePage
    from curricula.models import Assignment, CatalogPage, CurriculumCompletion, CurriculumPage, Requirement

    def noon(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))

    user_model = get_user_model()
    with transaction.atomic():
        categories = {code: ServiceCategory.objects.create(code=code, name=name) for code, name in CATEGORIES}
        home = Page.get_first_root_node().add_child(instance=HomePage(title="Bench", slug="bench-home"))
        catalog = home.add_child(instance=CatalogPage(title="Curricula", slug="curricula"))
        curricula = {}
        requirements = []
        for code, cats, roles in MANDATES:
            page = catalog.add_child(
                instance=CurriculumPage(title=f"Curriculum {code}", slug=code.lower(), code=code, summary="Bench.",
                                        recertification_months=12)
            )  # fmt: skip
            curricula[code] = page
            requirement = Requirement.objects.create(
                curriculum=page,
                roles=roles,
                due_days_after_hire=90,
                starts_on=today - timedelta(days=540),
                renew_every_months=12,
            )
            requirement.categories.set([categories[c] for c in cats])
            requirements.append((requirement, set(cats), set(roles)))

        agency_rows = Agency.objects.bulk_create(
            [Agency(name=f"Bench Agency {i:02d}", slug=f"bench-{i:02d}") for i in range(agencies)]
        )
        funded: dict[int, set[str]] = {}
        for i, agency in enumerate(agency_rows):
            codes = {"MCM", ["NMCM", "NMCM-SUD", "CCMS"][i % 3]}
            if i % 4 == 0:
                codes.add("NMCM")
            agency.categories.set([categories[c] for c in codes])
            funded[agency.pk] = codes

        users = user_model.objects.bulk_create(
            [user_model(username=f"staff{i}@bench.example", email=f"staff{i}@bench.example",
                        first_name=f"Staff{i}", last_name=f"Bench{i % 97}", password="!") for i in range(staff)]
            + [user_model(username=f"admin{i}@bench.example", email=f"admin{i}@bench.example",
                          first_name="Admin", last_name=f"Agency{i}", password="!") for i in range(agencies)]
            + [user_model(username="coordinator@bench.example", email="coordinator@bench.example",
                          first_name="Coordinator", last_name="Bench", password="!")],
            batch_size=1000,
        )  # fmt: skip
        staff_users, admin_users, coordinator = users[:staff], users[staff : staff + agencies], users[-1]
        TrainingCoordinator.objects.create(user=coordinator, all_agencies=True)

        members = []
        for i, user in enumerate(staff_users):
            agency = agency_rows[i % agencies]
            role = "supervisor" if i % 25 == 0 else rng.choice(ROLES_WEIGHTED)
            hired = today - timedelta(days=rng.randint(20, 6 * 365))
            left = None
            if rng.random() < 0.08:
                left = hired + timedelta(days=rng.randint(30, max(31, (today - hired).days - 1)))
                left = left if left < today else None
            members.append(
                StaffMember(user=user, agency=agency, role=role, hire_date=hired, left_on=left, active=left is None)
            )
        members += [
            StaffMember(user=u, agency=a, role="other", hire_date=today - timedelta(days=900), is_agency_admin=True)
            for u, a in zip(admin_users, agency_rows, strict=True)
        ]
        members = StaffMember.objects.bulk_create(members, batch_size=1000)
        supervisors: dict[int, list[StaffMember]] = {}
        for m in members:
            if m.role == "supervisor" and m.active:
                supervisors.setdefault(m.agency_id, []).append(m)
        for m in members:
            if m.role != "supervisor" and not m.is_agency_admin and supervisors.get(m.agency_id):
                m.supervisor = rng.choice(supervisors[m.agency_id])
        StaffMember.objects.bulk_update(members, ["supervisor"], batch_size=1000)

        assignments: list[Assignment] = []
        completions: list[CurriculumCompletion] = []
        cert_specs: list[tuple] = []  # (completion index, assignment index, issued, expires)
        for m in members:
            if m.is_agency_admin:
                continue
            end = min(m.left_on or today, today)
            for requirement, cats, roles in requirements:
                if m.role not in roles or not cats & funded[m.agency_id]:
                    continue
                curriculum = requirement.curriculum
                start = max(m.hire_date, requirement.starts_on)
                due = start + timedelta(days=90)
                cycle = 1
                source = "requirement"
                while start <= end:
                    fate = rng.random()
                    base = {
                        "staff": m, "curriculum": curriculum, "requirement": requirement, "source": source,
                        "required_from": start, "due_on": due,
                    }  # fmt: skip
                    if fate < 0.03:
                        assignments.append(Assignment(**base, state="waived", closed_on=start + timedelta(days=10),
                                                      waived_reason="Equivalent training elsewhere"))  # fmt: skip
                        break
                    if fate < 0.05:
                        assignments.append(Assignment(**base, state="withdrawn", closed_on=start + timedelta(days=20)))
                        break
                    done_on = due + timedelta(days=rng.randint(-80, 40))
                    if fate > 0.85 or done_on > end:
                        assignments.append(Assignment(**base))  # still open: due or overdue
                        break
                    done_on = max(done_on, start)
                    completions.append(
                        CurriculumCompletion(user_id=m.user_id, curriculum=curriculum, cycle=cycle,
                                             completed_at=noon(done_on), curriculum_code=curriculum.code,
                                             curriculum_title=curriculum.title, credit_hours=1)
                    )  # fmt: skip
                    assignments.append(Assignment(**base, state="completed", closed_on=done_on))
                    expires = done_on + timedelta(days=365)
                    cert_specs.append((len(completions) - 1, len(assignments) - 1, done_on, expires))
                    cycle += 1
                    start, due, source = expires - timedelta(days=90), expires, "recertification"
        # A person completes once per curriculum cycle even across agencies: drop duplicate cycles.
        seen = set()
        keep = []
        for index, c in enumerate(completions):
            key = (c.user_id, c.curriculum_id, c.cycle)
            if key not in seen:
                seen.add(key)
                keep.append(index)
        kept = set(keep)
        completions_saved = CurriculumCompletion.objects.bulk_create([completions[i] for i in keep], batch_size=2000)
        by_old = dict(zip(keep, completions_saved, strict=True))
        for completion_index, assignment_index, _, _ in cert_specs:
            if completion_index in kept:
                assignments[assignment_index].completion = by_old[completion_index]
        assignments = Assignment.objects.bulk_create(assignments, batch_size=2000)

        certificates = []
        previous: dict[tuple[int, int], Certificate] = {}
        for serial, (completion_index, _, issued, expires) in enumerate(cert_specs, start=1):
            if completion_index not in kept:
                continue
            completion = by_old[completion_index]
            cert = Certificate(
                completion=completion, user_id=completion.user_id, curriculum=completion.curriculum,
                learner_name="Bench", curriculum_code=completion.curriculum_code,
                curriculum_title=completion.curriculum_title, credit_hours=1, completed_on=issued, expires_on=expires,
                serial=f"BENCH-{serial:07d}", code=new_code(), issued_at=noon(issued),
            )  # fmt: skip
            if rng.random() < 0.005:
                cert.revoked_at = noon(issued + timedelta(days=rng.randint(1, 200)))
                cert.revoked_reason = "Bench revocation"
            key = (completion.user_id, completion.curriculum_id)
            if key in previous:
                previous[key].superseded_at = cert.issued_at
            previous[key] = cert
            certificates.append(cert)
        Certificate.objects.bulk_create(certificates, batch_size=2000)
    return {
        "agencies": agency_rows, "admins": admin_users, "coordinator": coordinator,
        "counts": {"staff": len(members), "assignments": len(assignments), "completions": len(completions_saved),
                   "certificates": len(certificates)},
    }  # fmt: skip


def measure(name: str, fn: Callable[[], object], *, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    size = ""
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
        if isinstance(result, int | str):
            size = str(result)
    row = {"name": name, "median": statistics.median(times), "min": min(times), "queries": queries, "size": size}
    print(f"{name:<58} {row['median'] * 1000:>9.0f} {row['min'] * 1000:>9.0f} {queries:>8} {size:>12}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its path")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cmtp-bench-"))
    db_path = workdir / "bench.sqlite3"
    setup_django(db_path)
    try:
        run(args, db_path)
    finally:
        if args.keep:
            print(f"Database kept at {db_path}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, db_path: Path) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from agencies.models import Agency, StaffMember
    from compliance.queries import compliance_matrix, load_compliance, month_ends, program_overview
    from compliance.services import send_daily_reminders, send_weekly_digests

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - start:.1f} s  ({db_path})")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    today = timezone.localdate()
    start = time.perf_counter()
    seeded = seed(agencies=args.agencies, staff=args.staff, today=today, rng=random.Random(42))
    counts = ", ".join(f"{v:,} {k}" for k, v in seeded["counts"].items())
    print(f"seed: {time.perf_counter() - start:.1f} s  ({args.agencies} agencies, {counts}, {len(MANDATES)} mandates)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    agency = seeded["agencies"][0]
    agency_staff = StaffMember.objects.filter(agency=agency)
    everyone = StaffMember.objects.all()
    days = month_ends(today)
    admin = Client()
    admin.force_login(seeded["admins"][0])
    coordinator = Client()
    coordinator.force_login(seeded["coordinator"])

    def get(client: Client, url: str, **params) -> int:
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return len(body)

    dashboard = reverse("compliance:agency", args=[agency.slug])
    year_ago = today - timedelta(days=365)
    records = load_compliance(staff=everyone, start=days[0], end=today)
    get(admin, dashboard)  # warm caches (the menu) as a running site has them
    cases: list[tuple[str, Callable[[], object]]] = [
        (
            f"compliance_matrix, one agency ({agency_staff.count()} staff)",
            lambda: len(compliance_matrix(staff=agency_staff, as_of=today).rows),
        ),
        (
            f"compliance_matrix, all staff ({everyone.count()})",
            lambda: len(compliance_matrix(staff=everyone, as_of=today).rows),
        ),
        (
            "compliance_matrix, all staff, a year ago",
            lambda: len(compliance_matrix(staff=everyone, as_of=year_ago).rows),
        ),
        (
            "load_compliance, all staff, 12 months (load, no evaluation)",
            lambda: len(load_compliance(staff=everyone, start=days[0], end=today).assignments),
        ),
        ("  12-month trend from loaded records (Python only)", lambda: len(records.trend(days))),
        ("  matrix for one date from loaded records (Python only)", lambda: len(records.matrix(today).rows)),
        (
            "program_overview (all agencies, 12-month trend)",
            lambda: len(program_overview(agencies=Agency.objects.all(), as_of=today).agencies),
        ),
        ("GET agency dashboard", lambda: get(admin, dashboard)),
        (
            "GET agency dashboard, status=overdue, a year ago",
            lambda: get(admin, dashboard, status="overdue", as_of=year_ago.isoformat()),
        ),
        ("GET program view (coordinator)", lambda: get(coordinator, reverse("compliance:program"))),
    ]
    for kind in ("csv-wide", "csv-long", "pdf"):
        url = reverse("compliance:export", args=[agency.slug, kind])
        cases.append((f"GET export {kind} (one agency)", lambda url=url: get(admin, url)))
    header = f"measurement (repeat {args.repeat})"
    print(f"\n{header:<58} {'median ms':>9} {'min ms':>9} {'queries':>8} {'rows/bytes':>12}")
    for name, fn in cases:
        measure(name, fn, repeat=args.repeat)
    big = StaffMember.objects.filter(supervisor__isnull=False).values_list("supervisor__user", flat=True).first()
    if big:
        supervisor = Client()
        supervisor.force_login(StaffMember.objects.get(user_id=big).user)
        measure(
            "GET team dashboard (one supervisor)",
            lambda: get(supervisor, reverse("compliance:team")),
            repeat=args.repeat,
        )
    measure("send_daily_reminders (first run sends)", lambda: len(send_daily_reminders(today=today).sent), repeat=1)
    measure(
        "send_daily_reminders (re-run sends nothing)", lambda: len(send_daily_reminders(today=today).sent), repeat=1
    )
    measure("send_weekly_digests", lambda: len(send_weekly_digests(today=today).sent), repeat=1)


if __name__ == "__main__":
    main()
