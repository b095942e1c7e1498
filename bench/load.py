"""Drive the running site over HTTP with concurrent clients: requests per second and latency percentiles of
the learner pages, one page kind at a time and then mixed.

Needs a database seeded by `bench/run.py --keep` (it reads bench/results/<db>-bench-state.json), and wrk
(Debian package `wrk`; `./run.sh bench-http` installs it when apt-get is available). It starts gunicorn on
that database with the benchmark settings, signs in `--learners` seeded case managers (real sessions in the
database), and runs wrk against the server with each request taking the next learner's cookie.

    .venv/bin/python bench/load.py [--db postgres] [--workers 4] [--connections 16] [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = 8765

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
  return wrk.format("GET", t.path, {["Cookie"] = "sessionid=" .. t.cookie, ["Host"] = "127.0.0.1"})
end

done = function(summary, latency, requests)
  local out = {
    requests = summary.requests,
    seconds = summary.duration / 1e6,
    errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non_2xx_3xx = summary.errors.status,
    p50_ms = latency:percentile(50) / 1000,
    p95_ms = latency:percentile(95) / 1000,
    p99_ms = latency:percentile(99) / 1000,
    max_ms = latency.max / 1000,
  }
  local parts = {}
  for k, v in pairs(out) do table.insert(parts, string.format('"%s": %s', k, tostring(v))) end
  io.write("RESULT {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def sign_in_learners(count: int) -> list[tuple[str, dict[str, str]]]:
    """(session key, {page kind: path}) for `count` active case managers, each with their own pages."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.urls import reverse

    from agencies.models import StaffMember
    from assessments.models import Quiz
    from assessments.services import start_attempt
    from curricula.models import CurriculumPage, LessonPage

    curriculum = CurriculumPage.objects.get(code="CMTP-101")
    lessons = list(LessonPage.objects.live().order_by("path"))
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
        attempt = start_attempt(user=user, quiz=quiz)
        pages = {
            "dashboard": reverse("curricula:dashboard"),
            "curriculum": curriculum.url,
            "lesson": lessons[(i * 7) % len(lessons)].url,
            "transcript": reverse("curricula:transcript"),
            "quiz": reverse("assessments:attempt", args=[attempt.pk]),
        }
        learners.append((session.session_key, pages))
    return learners


def wait_for(url: str, seconds: float = 60) -> None:
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


def check_pages(learners: list[tuple[str, dict[str, str]]]) -> None:
    """wrk counts a redirect as a success: make sure the sessions work and every page is a 200 first."""
    opener = urllib.request.build_opener(_NoRedirect)
    key, pages = learners[0]
    for kind, path in pages.items():
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": f"sessionid={key}"})
        try:
            status = opener.open(request, timeout=30).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status != 200:
            raise RuntimeError(f"{kind} page {path} answered {status} for a signed-in learner, not 200.")


def run_wrk(script: Path, targets: Path, *, connections: int, threads: int, duration: int) -> dict:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
        f"http://127.0.0.1:{PORT}", "--", str(targets),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page kind")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk (./run.sh bench-http does it).", file=sys.stderr)
        return 2
    state_path = args.out / f"{args.db}-bench-state.json"
    if not state_path.exists():
        print(f"No seeded database: run `bench/run.py --db {args.db} --keep` first.", file=sys.stderr)
        return 2
    state = json.loads(state_path.read_text())
    env = {
        **os.environ, "DATABASE_URL": state["database_url"], "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DB_CONN_MAX_AGE": "600", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    learners = sign_in_learners(args.learners)
    workdir = Path(tempfile.mkdtemp(prefix="cmtp-http-"))
    script = workdir / "learners.lua"
    script.write_text(LUA)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{PORT}",
         "-w", str(args.workers), "--access-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    results = {}
    try:
        wait_for(f"http://127.0.0.1:{PORT}/health/")
        check_pages(learners)
        kinds = list(learners[0][1])
        for kind in [*kinds, "mixed"]:
            targets = workdir / f"{kind}.txt"
            lines = [
                f"{key} {path}" for key, pages in learners for page, path in pages.items()
                if kind in ("mixed", page)
            ]  # fmt: skip
            targets.write_text("\n".join(lines) + "\n")
            result = run_wrk(script, targets, connections=args.connections, threads=args.threads,
                             duration=args.duration)  # fmt: skip
            results[kind] = result
            print(f"  {kind:<12} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  p95 "
                  f"{result['p95_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}  "
                  f"non-2xx/3xx {result['non_2xx_3xx']}", flush=True)  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {
        "database": state["database_url"].split("://")[0], "workers": args.workers,
        "connections": args.connections, "duration_s": args.duration, "learners": len(learners),
        "cores": os.cpu_count(), "scale": state["scale"], "counts": state["counts"], "pages": results,
    }  # fmt: skip
    suffix = "" if args.connections == 16 else f"-c{args.connections}"
    path = args.out / f"http-{args.db}-scale{state['scale']:g}{suffix}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {path}")
    failed = any(r["errors"] or r["non_2xx_3xx"] for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
