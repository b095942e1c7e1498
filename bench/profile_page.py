"""One page in process: its queries (each SQL statement) and where its time goes, beside the anchor's home page.

A quick loop for performance work between runs of `./run.sh bench-http` (which is what counts, over HTTP):
it uses the database the last `bench-http` run seeded, signs in one seeded case manager as that run does, and
times the page with Django's test client against the anchor's home page timed the same way in a subprocess.

    .venv/bin/python bench/profile_page.py lesson [--queries] [--profile 30] [--requests 200]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import ANCHOR_DIR, PYTHON, anchor_env, database_urls  # noqa: E402

ANCHOR_TIMER = (
    "import django, sys, time; django.setup()\n"
    "from django.test import Client\n"
    "client = Client()\n"
    "for _ in range(5): client.get('/', HTTP_HOST='127.0.0.1')\n"
    "n = int(sys.argv[1]); start = time.perf_counter()\n"
    "for _ in range(n): client.get('/', HTTP_HOST='127.0.0.1')\n"
    "print((time.perf_counter() - start) / n * 1000)\n"
)


def anchor_ms(url: str, requests: int) -> float:
    out = subprocess.run([str(PYTHON), "-c", ANCHOR_TIMER, str(requests)], cwd=ANCHOR_DIR, env=anchor_env(url),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", help="lesson, curriculum, learner dashboard, quiz attempt, transcript, our home, ...")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--queries", action="store_true", help="print each SQL statement of one request")
    parser.add_argument("--profile", type=int, default=0, help="print this many cProfile lines (cumulative)")
    parser.add_argument("--callees", help="print what functions matching this pattern spent their time in")
    parser.add_argument("--learners", type=int, default=1, help="rotate over this many signed-in learners")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime, ...")
    args = parser.parse_args(argv)

    ours_url, anchor_url = database_urls(args.db, args.database_url)
    os.environ.update({"DATABASE_URL": ours_url, "DJANGO_SETTINGS_MODULE": "config.settings.bench"})
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import public_pages, sign_in_learners

    pages = public_pages()
    if args.page in pages:
        clients = [(Client(), pages[args.page])]
    else:
        clients = []
        for cookie, learner_pages in sign_in_learners(args.learners):
            client = Client()
            for name, _, value in (part.partition("=") for part in cookie.split(";")):
                client.cookies[name] = value
            clients.append((client, learner_pages[args.page]))
    turn = iter(range(10**9))

    def get() -> int:
        client, path = clients[next(turn) % len(clients)]
        return client.get(path, HTTP_HOST="127.0.0.1").status_code

    for _ in range(len(clients) * 2):
        status = get()
    path = clients[0][1]
    with CaptureQueriesContext(connection) as queries:
        get()
    print(f"{args.page}: {path} -> {status}, {len(queries)} queries")
    if args.queries:
        for i, q in enumerate(queries.captured_queries, 1):
            print(f"{i:3} {q['sql'][:400]}")

    start = time.perf_counter()
    for _ in range(args.requests):
        get()
    ours = (time.perf_counter() - start) / args.requests * 1000
    anchor = anchor_ms(anchor_url, args.requests)
    print(f"ours {ours:.2f} ms, anchor {anchor:.2f} ms per request in process: ratio {anchor / ours:.2f}x")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            get()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.profile)
        if args.callees:
            stats.print_callees(args.callees)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
