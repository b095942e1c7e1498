"""Our pages against a bare Wagtail page, over HTTP, in one run: requests per second as a ratio to the anchor.

The anchor (bench/anchor/, a site exactly as `wagtail start` makes it) and our site are each migrated into a
database of their own and served side by side by gunicorn with the same settings (2 sync workers, DEBUG off,
WhiteNoise). wrk (4 connections) then loads each page in turn, pages interleaved, for several rounds: the machine
is shared and its speed drifts, so only ratios taken in the same round count. Each page's ratio is the median of
its requests/s over the rounds divided by the anchor's median.

    ./run.sh bench-http [--db sqlite|postgres] [--scale 1] [--rounds 3] [--duration 5] [--reuse]
    .venv/bin/python bench/load.py --db postgres --database-url postgres://postgres@127.0.0.1:5432/pbl_bench

Our database is seeded by `bench/run.py --seed-only` at --scale (1 = 100 agencies, 5,000 staff); --reuse keeps
the one seeded last. Signed-in pages are loaded by `--learners` seeded case managers (real sessions), each
request taking the next learner's cookie (a session and a CSRF cookie, as a browser that signed in has). Before
the rounds, a warm-up round (not counted) loads each signed-in page for twice a round's time, twice over, so
that both workers have kept every learner's page (learner_cache). Queries per request are counted once per page with the
test client: for a learner page, a hit's (the render's are pinned in the tests).
Memory is each gunicorn worker's resident set after the run (from /proc). Results: bench/results/http-<db>.json
and .md (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHOR_DIR = ROOT / "bench" / "anchor"
sys.path.insert(0, str(ROOT))

PORT = 8765
ANCHOR_PORT = 8766
PYTHON = Path(sys.executable)
ANONYMOUS = "-"  # the cookie column of a target that is requested without a session (else the Cookie header)

LUA = r"""
local targets = {}
local index = 0

init = function(args)
  for line in io.lines(args[1]) do
    local cookie, path = line:match("^(%S+) (%S+)$")
    table.insert(targets, {cookie = cookie, path = path})
  end
  index = math.random(#targets)
end

request = function()
  index = index % #targets + 1
  local t = targets[index]
  local headers = {["Host"] = "127.0.0.1"}
  if t.cookie ~= "-" then headers["Cookie"] = t.cookie end
  return wrk.format("GET", t.path, headers)
end

done = function(summary, latency, requests)
  local out = {
    requests = summary.requests,
    seconds = summary.duration / 1e6,
    errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non_2xx_3xx = summary.errors.status,
    p50_ms = latency:percentile(50) / 1000,
    p99_ms = latency:percentile(99) / 1000,
  }
  local parts = {}
  for k, v in pairs(out) do table.insert(parts, string.format('"%s": %s', k, tostring(v))) end
  io.write("RESULT {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def database_urls(db: str, url: str | None) -> tuple[str, str]:
    """(ours, the anchor's): the anchor's database sits next to ours, named after it."""
    if url is None:
        if db == "postgres":
            url = "postgres://postgres@127.0.0.1:5432/cmtp_bench_http"
        else:
            url = f"sqlite:///{Path(tempfile.gettempdir()) / 'cmtp-bench-http.sqlite3'}"
    if url.startswith("sqlite"):
        return url, url.removesuffix(".sqlite3") + "-anchor.sqlite3"
    return url, f"{url}_anchor"


def anchor_env(url: str) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "anchor.settings.bench",
        "DB_CONN_MAX_AGE": "600", "PYTHONPATH": str(ANCHOR_DIR),
    }  # fmt: skip


def prepare_anchor(url: str, *, fresh: bool) -> None:
    """The anchor's database, migrated (fresh unless reused): its home page is the one `wagtail start` creates."""
    from bench.run import fresh_database

    if fresh:
        fresh_database(url)
    subprocess.run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], cwd=ANCHOR_DIR, env=anchor_env(url),
                   check=True)  # fmt: skip


def anchor_queries(url: str) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "client = Client()\n"
        "client.get('/', HTTP_HOST='127.0.0.1')\n"  # warm: the first request fills per-process caches
        "with CaptureQueriesContext(connection) as q:\n"
        "    assert client.get('/', HTTP_HOST='127.0.0.1').status_code == 200\n"
        "print(len(q))\n"
    )
    out = subprocess.run([str(PYTHON), "-c", code], cwd=ANCHOR_DIR, env=anchor_env(url), capture_output=True,
                         text=True, check=True)  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


def sign_in_learners(count: int) -> list[tuple[str, dict[str, str]]]:
    """(Cookie header, {page: path}) for `count` active case managers, each with their own pages. Each has a
    session and, as every browser that signed in has (the sign-in form set it), a CSRF cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.urls import reverse
    from django.utils.crypto import get_random_string
    from wagtail.models import Locale

    from agencies.models import StaffMember
    from assessments.models import Attempt, Quiz
    from assessments.services import AttemptRefused, start_attempt
    from curricula.models import CurriculumPage, LessonPage

    english = Locale.get_default()
    curriculum = CurriculumPage.objects.get(code="CMTP-101", locale=english)
    lessons = list(LessonPage.objects.live().filter(locale=english).order_by("path"))
    quiz = Quiz.objects.get(key="cmtp-102")
    members = (
        StaffMember.objects.filter(active=True, role__in=["mcm", "nmcm"])
        .annotate(n=Count("assignments"))
        .filter(n__gt=0)
        .select_related("user")
        .order_by("pk")[:count]
    )
    learners = []
    for i, member in enumerate(members):
        user = member.user
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        # an attempt in progress: the one a reused database already has, or a new one (if they have one left)
        attempt = Attempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=True).first()
        if attempt is None:
            try:
                attempt = start_attempt(user=user, quiz=quiz)
            except AttemptRefused:
                continue
        pages = {
            "learner dashboard": reverse("curricula:dashboard"),
            "curriculum": curriculum.url,
            "lesson": lessons[(i * 7) % len(lessons)].url,
            "quiz attempt": reverse("assessments:attempt", args=[attempt.pk]),
            "transcript": reverse("curricula:transcript"),
        }
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session.session_key};{settings.CSRF_COOKIE_NAME}={get_random_string(32)}"
        )
        learners.append((cookie, pages))
    return learners


def public_pages() -> dict[str, str]:
    from django.urls import reverse
    from wagtail.models import Locale, Page

    from certificates.models import Certificate
    from content.models import HomePage

    home = HomePage.objects.live().get(locale=Locale.get_default())
    code = Certificate.objects.order_by("pk").values_list("code", flat=True).first()
    return {
        "our home": home.url,
        "resources": Page.objects.live().child_of(home).get(slug="resources").url,
        "FAQ": Page.objects.live().child_of(home).get(slug="faq").url,
        "verification page": reverse("certificates:verify", args=[code]),
    }


def count_queries(path: str, cookie: str | None) -> tuple[int, int]:
    """(status, queries) of the third request for `path` (the first two fill per-process caches and, for a
    learner page, the learner page cache: a lesson's first view records it and is not kept; the count is a
    hit's)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for name, _, value in (part.partition("=") for part in (cookie or "").split(";") if part):
        client.cookies[name] = value
    client.get(path, HTTP_HOST="127.0.0.1")
    client.get(path, HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path, HTTP_HOST="127.0.0.1").status_code
    return status, len(queries)


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"The server did not answer at {url}.")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_over_http(port: int, path: str, cookie: str | None) -> int:
    """wrk counts a redirect as a success: every page must answer 200 over HTTP first."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        return urllib.request.build_opener(_NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def start_gunicorn(app: str, port: int, workers: int, *, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """The same gunicorn settings for both sites: `workers` sync workers, no access log, and no control socket
    (gunicorn 27 opens one at a fixed path by default: the second site's master could not open it)."""
    return subprocess.Popen(
        [str(PYTHON.parent / "gunicorn"), app, "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--log-level", "warning", "--no-control-socket"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def worker_rss_mb(master: int) -> list[float]:
    """Resident set of each gunicorn worker (the master's children), in MB."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)


def run_wrk(script: Path, targets: Path, *, port: int, connections: int, duration: int) -> dict:
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
        f"http://127.0.0.1:{port}", "--", str(targets),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def markdown(summary: dict) -> str:
    head = (
        f"{summary['database']} · scale {summary['scale']:g} · {summary['workers']} gunicorn workers per site · "
        f"wrk {summary['connections']} connections · {summary['rounds']} rounds × {summary['duration_s']} s per "
        f"page · {summary['cores']} cores · {summary['date']}"
    )
    lines = [
        head,
        "",
        "| page | req/s (median) | ratio to anchor | rounds req/s | p50 ms | p99 ms | queries |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for name, page in summary["pages"].items():
        rounds = " / ".join(f"{r['rps']:.0f}" for r in page["rounds"])
        lines.append(
            f"| {name} | {page['rps']:.1f} | {page['ratio']:.2f}x | {rounds} | {page['p50_ms']:.1f} | "
            f"{page['p99_ms']:.1f} | {page['queries']} |"
        )
    memory = summary["worker_rss_mb"]
    lines += ["", f"Worker memory (RSS after the run): ours {memory['ours']} MB, anchor {memory['anchor']} MB."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="our database (dropped and seeded; the anchor's sits next to it)")
    parser.add_argument("--scale", type=float, default=1.0, help="seed scale (1 = 100 agencies, 5,000 staff)")
    parser.add_argument("--reuse", action="store_true", help="reuse our database as the last run seeded it")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per site")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per page per round")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--only", help="measure only these pages (comma-separated names; the anchor always)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk (./run.sh bench-http does it).", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    ours_url, anchor_url = database_urls(args.db, args.database_url)
    state_path = args.out / f"{args.db}-bench-state.json"
    reuse = args.reuse and state_path.exists() and json.loads(state_path.read_text())["database_url"] == ours_url
    seed = [str(PYTHON), str(ROOT / "bench" / "run.py"), "--db", args.db, "--database-url", ours_url,
            "--scale", str(args.scale), "--seed-only", "--keep", "--out", str(args.out)]  # fmt: skip
    subprocess.run([*seed, "--reuse"] if reuse else seed, check=True)  # reused: migrated to the code measured
    state = json.loads(state_path.read_text())
    print("migrating the anchor (bench/anchor, as `wagtail start` makes it)", flush=True)
    prepare_anchor(anchor_url, fresh=not reuse)

    ours_env = {
        **os.environ, "DATABASE_URL": ours_url, "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DB_CONN_MAX_AGE": "600", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }  # fmt: skip
    os.environ.update(ours_env)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    learners = sign_in_learners(args.learners)
    if not learners:
        raise RuntimeError("The seed made no case manager with an assignment to sign in.")
    first_key, first_pages = learners[0]
    # page name -> (port, [(cookie, path), ...]); the order is the order measured in each round
    pages: dict[str, tuple[int, list[tuple[str, str]]]] = {"anchor home": (ANCHOR_PORT, [(ANONYMOUS, "/")])}
    for name, path in public_pages().items():
        pages[name] = (PORT, [(ANONYMOUS, path)])
    for name in first_pages:
        pages[name] = (PORT, [(key, learner_pages[name]) for key, learner_pages in learners])
    pages["/health/"] = (PORT, [(ANONYMOUS, "/health/")])
    if args.only:
        wanted = {w.strip().lower() for w in args.only.split(",")}
        pages = {k: v for k, v in pages.items() if k == "anchor home" or k.lower() in wanted}

    setup_test_environment()
    queries = {"anchor home": anchor_queries(anchor_url)}
    for name, (_port, targets) in pages.items():
        if name != "anchor home":
            cookie, path = targets[0]
            status, queries[name] = count_queries(path, None if cookie == ANONYMOUS else cookie)
            if status != 200:
                raise RuntimeError(f"{name} ({path}) answered {status} to the test client, not 200.")

    workdir = Path(tempfile.mkdtemp(prefix="cmtp-http-"))
    script = workdir / "pages.lua"
    script.write_text(LUA)
    ours = start_gunicorn("config.wsgi", PORT, args.workers, cwd=ROOT, env=ours_env)
    anchor = start_gunicorn("anchor.wsgi", ANCHOR_PORT, args.workers, cwd=ANCHOR_DIR, env=anchor_env(anchor_url))
    rounds: dict[str, list[dict]] = {name: [] for name in pages}
    try:
        wait_for(f"http://127.0.0.1:{PORT}/health/")
        wait_for(f"http://127.0.0.1:{ANCHOR_PORT}/")
        for name, (port, targets) in pages.items():
            cookie, path = targets[0]
            status = status_over_http(port, path, None if cookie == ANONYMOUS else cookie)
            if status != 200:
                raise RuntimeError(f"{name} ({path}) answered {status} over HTTP, not 200.")
        for name, (_port, targets) in pages.items():
            (workdir / f"{len(name)}-{abs(hash(name))}.txt").write_text(
                "".join(f"{cookie} {path}\n" for cookie, path in targets)
            )
        # Round 0, not counted: each signed-in page for twice a round's time, twice over, so that both workers
        # have rendered and kept every learner's page (each keeps its own in-memory cache here; production
        # shares Redis), as on a running site. A lesson's first view records it (a write: that learner's
        # dashboard and curriculum pages render again), hence the second pass.
        for warm_pass in (1, 2):
            print(f"round 0 (warm-up, not measured), pass {warm_pass}", flush=True)
            for name, (port, targets) in pages.items():
                if targets[0][0] != ANONYMOUS:
                    result = run_wrk(script, workdir / f"{len(name)}-{abs(hash(name))}.txt", port=port,
                                     connections=args.connections, duration=2 * args.duration)  # fmt: skip
                    print(f"  {name:<18} {result['rps']:8.1f} req/s", flush=True)
        for number in range(1, args.rounds + 1):
            print(f"round {number}", flush=True)
            for name, (port, _targets) in pages.items():
                result = run_wrk(script, workdir / f"{len(name)}-{abs(hash(name))}.txt", port=port,
                                 connections=args.connections, duration=args.duration)  # fmt: skip
                rounds[name].append(result)
                print(f"  {name:<18} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  p99 "
                      f"{result['p99_ms']:7.1f} ms  errors {result['errors']}  non-2xx/3xx {result['non_2xx_3xx']}",
                      flush=True)  # fmt: skip
        memory = {"ours": worker_rss_mb(ours.pid), "anchor": worker_rss_mb(anchor.pid)}
    finally:
        for server in (ours, anchor):
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    anchor_rps = statistics.median(r["rps"] for r in rounds["anchor home"])
    results = {}
    for name, measured in rounds.items():
        rps = statistics.median(r["rps"] for r in measured)
        results[name] = {
            "rps": rps, "ratio": round(rps / anchor_rps, 2) if anchor_rps else 0.0,
            "p50_ms": statistics.median(r["p50_ms"] for r in measured),
            "p99_ms": statistics.median(r["p99_ms"] for r in measured),
            "queries": queries[name], "rounds": measured,
        }  # fmt: skip
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "database": args.db, "scale": state["scale"],
        "counts": state["counts"], "workers": args.workers, "connections": args.connections,
        "rounds": args.rounds, "duration_s": args.duration, "learners": len(learners), "cores": os.cpu_count(),
        "worker_rss_mb": memory, "pages": results,
    }  # fmt: skip
    table = markdown(summary)
    print()
    print(table)
    stem = f"http-{args.db}" + ("-partial" if args.only else "")
    (args.out / f"{stem}.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(table)
    print(f"wrote {args.out / stem}.json and .md")
    failed = any(r["errors"] or r["non_2xx_3xx"] for measured in rounds.values() for r in measured)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
