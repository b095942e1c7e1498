"""Seed a realistic program into a fresh database, measure the operations that matter, print a table and
write it as JSON.

    ./run.sh bench                          # SQLite, then PostgreSQL when it answers
    .venv/bin/python bench/run.py --db sqlite|postgres [--scale 1] [--repeat 1] [--keep | --reuse]

--scale multiplies the people and rows (1 = 100 agencies, 5,000 staff); --repeat multiplies each case's
run count. --keep leaves the seeded database for `bench/load.py` (the load test); --reuse measures a kept
one again without seeding. Results go to bench/results/<db>-scale<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/cmtp_bench"
SQLITE_PATH = Path(tempfile.gettempdir()) / "cmtp-bench.sqlite3"
STATE_FILE = "bench-state.json"  # kept next to the results: which users the seed made, for --reuse and load.py


def database_url(kind: str, url: str | None) -> str:
    if url:
        return url
    return DEFAULT_POSTGRES if kind == "postgres" else f"sqlite:///{SQLITE_PATH}"


def fresh_database(url: str) -> None:
    """Drop and recreate the benchmark database: measurements always start from the same seed."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    import django

    django.setup()


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    ) if Path("/proc/cpuinfo").exists() else platform.processor()  # fmt: skip
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
        "database": f"{connection.vendor} {version.split(' on ')[0]}",
    }  # fmt: skip


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 5). The machine is shared and its speed drifts by
    half during a day; this number, taken before and after, says how fast it was during the run."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def print_table(results: list, title: str) -> None:
    print(f"\n{title}")
    print(f"{'operation':<56} {'runs':>4} {'median ms':>10} {'p95 ms':>9} {'queries':>8}  note")
    group = None
    for r in results:
        if r.group != group:
            group = r.group
            print(f"-- {group}")
        note = r.note + (f"; peak {r.peak_mb:.1f} MB" if r.peak_mb is not None else "")
        print(f"{r.name:<56} {r.runs:>4} {r.median_ms:>10.1f} {r.p95_ms:>9.1f} {r.queries:>8}  {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="override the database (it is dropped and recreated)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=float, default=1.0, help="multiply each case's number of runs")
    parser.add_argument("--only", help="measure only cases whose name contains one of these (comma-separated)")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database again, without seeding")
    parser.add_argument("--keep", action="store_true", help="keep the database (for bench/load.py)")
    parser.add_argument("--seed-only", action="store_true", help="migrate and seed, measure nothing (bench/load.py)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    url = database_url(args.db, args.database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    state_path = args.out / f"{args.db}-{STATE_FILE}"
    if not args.reuse:
        fresh_database(url)
    setup_django(url)

    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from bench.cases import build_cases, measure
    from bench.seed import Volumes, seed

    setup_test_environment()  # the locmem outbox and the test client's template capture
    today = timezone.localdate()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse:
        state = json.loads(state_path.read_text())
        print(f"reusing the seeded database ({state['counts']})")
    else:
        volumes = Volumes().scaled(args.scale)
        print(f"seeding {args.db} at scale {args.scale}: {volumes}", flush=True)
        report = seed(volumes, today=today)
        state = {
            "scale": args.scale, "today": today.isoformat(), "volumes": asdict(volumes), "counts": report.counts,
            "seed_seconds": report.seconds, "coordinator_id": report.coordinator_id,
            "admin_ids": {str(k): v for k, v in report.admin_ids.items()}, "database_url": url,
        }  # fmt: skip
        state_path.write_text(json.dumps(state, indent=2))
        print(f"migrated and seeded in {time.perf_counter() - started:.0f} s: {report.counts}", flush=True)
    if args.seed_only:
        return 0

    cases = build_cases(
        today=date.fromisoformat(state["today"]) if args.reuse else today,
        coordinator_id=state["coordinator_id"],
        admin_ids={int(k): v for k, v in state["admin_ids"].items()},
        big_agency_staff=max(100, round(20_000 * state["scale"])),
    )
    if args.only:
        wanted = [w.strip().lower() for w in args.only.split(",")]
        cases = [c for c in cases if any(w in c.name.lower() for w in wanted)]
    speed_before = calibrate()
    results = []
    for case in cases:
        result = measure(case, repeat_factor=args.repeat)
        results.append(result)
        print(f"  {result.name:<54} median {result.median_ms:8.1f} ms  p95 {result.p95_ms:8.1f} ms  "
              f"{result.queries:5d} queries", flush=True)  # fmt: skip
    info = machine()
    info["calibration_ms"] = [speed_before, calibrate()]
    print(f"\ncalibration loop: {info['calibration_ms'][0]} ms before, {info['calibration_ms'][1]} ms after")
    print_table(results, f"{info['database']} · {info['cores']} cores · scale {state['scale']} · {state['counts']}")
    output = {
        "date": today.isoformat(), "machine": info, "scale": state["scale"], "volumes": state["volumes"],
        "counts": state["counts"], "seed_seconds": state["seed_seconds"],
        "results": [asdict(r) for r in results],
    }  # fmt: skip
    suffix = "-partial" if args.only else ""  # a partial run never replaces a full result
    path = args.out / f"{args.db}-scale{state['scale']:g}{suffix}.json"
    path.write_text(json.dumps(output, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not (args.keep or args.reuse) and args.db == "sqlite":
        fresh_database(url)  # remove the file
    return 0


if __name__ == "__main__":
    sys.exit(main())
