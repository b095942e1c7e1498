#!/usr/bin/env bash
# CI: a real Celery worker on Redis renders certificate PDFs, with the production settings on PostgreSQL.
#
#  1. fresh database (cmtp_celery), migrate, load the program content;
#  2. worker down: a certificate issued while no worker runs is saved at once with rendered_at NULL, and
#     its render task waits in Redis;
#  3. start `celery -A config worker`: the waiting task is rendered;
#  4. a learner completes CMTP-101 through the services (lessons + a passed quiz): the certificate is issued
#     in that transaction and its render is queued on commit; the worker renders it;
#  each PDF must exist and parse (pypdf) with the learner's name, serial and verification code in it;
#  5. every outbox row (PDFs, certificate emails) is marked done by the worker.
# The worker is stopped on exit, whatever happens. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
CELERY=.venv/bin/celery
DB_NAME=${CELERY_CHECK_DB:-cmtp_celery}
BROKER_DB=0
CACHE_DB=1
TIMEOUT=${CELERY_CHECK_TIMEOUT:-60}
WORK=$(mktemp -d)
WORKER_PID=""
REDIS_PID=""
# A redis-server of our own on a free port, never the shared one on 6379.
REDIS_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

export DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export DJANGO_SECRET_KEY
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB_NAME}"
export CELERY_BROKER_URL="redis://127.0.0.1:${REDIS_PORT}/${BROKER_DB}"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/${CACHE_DB}"
export MEDIA_ROOT="$WORK/media"
export STATIC_ROOT="$WORK/static"
export SITE_URL=https://learn.example.org
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
export LOG_FORMAT=json
export LOG_LEVEL=INFO

stop_worker() {
  if [ -n "$WORKER_PID" ] && kill -0 "$WORKER_PID" 2>/dev/null; then
    kill -TERM "$WORKER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$WORKER_PID" 2>/dev/null || true
    wait "$WORKER_PID" 2>/dev/null || true
  fi
  WORKER_PID=""
}

on_exit() {
  local status=$?
  stop_worker
  if [ -n "$REDIS_PID" ]; then kill -TERM "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ -f "$WORK/worker.log" ]; then
    echo "---- last lines of the worker log ----" >&2
    tail -n 40 "$WORK/worker.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap on_exit EXIT

start_worker() {
  "$CELERY" -A config worker --loglevel INFO --concurrency 1 --without-gossip --without-mingle \
    --hostname "ci-check@%h" >>"$WORK/worker.log" 2>&1 &
  WORKER_PID=$!
  echo "Worker started (pid $WORKER_PID)"
}

shell() { "$PY" manage.py shell --no-imports -c "$1"; }

# Waits for one certificate's PDF, then checks it. Placeholders: __ID__.
read -r -d '' CHECK_RENDERED <<'PYEOF' || true
import io, sys, time
from pypdf import PdfReader
from certificates.models import Certificate, CertificateEvent

certificate_id, timeout = __ID__, __TIMEOUT__
deadline = time.monotonic() + timeout
while True:
    certificate = Certificate.objects.get(pk=certificate_id)
    if certificate.rendered_at is not None and certificate.pdf:
        break
    if time.monotonic() > deadline:
        sys.exit(f"FAIL: certificate {certificate_id} not rendered after {timeout} s "
                 f"(render failures: {certificate.render_failures})")
    time.sleep(0.5)
if not certificate.pdf.storage.exists(certificate.pdf.name):
    sys.exit(f"FAIL: {certificate.pdf.name} is recorded but missing from storage")
with certificate.pdf.open("rb") as handle:
    data = handle.read()
if not data.startswith(b"%PDF-"):
    sys.exit("FAIL: the stored file is not a PDF")
text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)
flat = " ".join(text.split())
for label, expected in [("learner name", certificate.learner_name), ("serial", certificate.serial),
                        ("verification code", certificate.code)]:
    if expected not in flat:
        sys.exit(f"FAIL: the PDF does not contain the {label} {expected!r}. Text: {flat[:400]!r}")
if not CertificateEvent.objects.filter(certificate=certificate, action="rendered").exists():
    sys.exit("FAIL: no 'rendered' audit event")
print(f"OK: {certificate.serial} for {certificate.learner_name}: {len(data):,} bytes, "
      f"rendered {(certificate.rendered_at - certificate.issued_at).total_seconds():.1f} s after issue")
PYEOF

check_rendered() {
  shell "$(printf '%s' "$CHECK_RENDERED" | sed -e "s/__ID__/$1/" -e "s/__TIMEOUT__/$TIMEOUT/")"
}

echo "Fresh database $DB_NAME; our own redis-server on port $REDIS_PORT (broker db $BROKER_DB, cache db $CACHE_DB)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
dropdb -h 127.0.0.1 -U postgres --if-exists "$DB_NAME"
createdb -h 127.0.0.1 -U postgres "$DB_NAME"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_content | tail -n 1

echo
echo "-- Worker down: a certificate issued now waits for its PDF"
DOWN_ID=$(shell '
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from certificates.services import issue_certificate
from curricula.models import CurriculumCompletion, CurriculumPage

curriculum = CurriculumPage.objects.get(code="CMTP-101", locale__language_code="en")
user = get_user_model().objects.create_user(
    username="queued.learner@example.org", email="queued.learner@example.org", first_name="Quinn", last_name="Waitwell"
)
with transaction.atomic():
    completion = CurriculumCompletion.objects.create(
        user=user, curriculum=curriculum, cycle=1, completed_at=timezone.now(), curriculum_code=curriculum.code,
        curriculum_title=curriculum.title, credit_hours=curriculum.credit_hours,
    )
    certificate = issue_certificate(completion=completion)
print(certificate.pk)
' | tail -n 1)
shell "
from certificates.models import Certificate
certificate = Certificate.objects.get(pk=$DOWN_ID)
assert certificate.rendered_at is None and not certificate.pdf, 'rendered without a worker: is Celery eager?'
print(f'OK: {certificate.serial} saved, rendered_at is NULL')
"
"$PY" - "$DOWN_ID" <<'PYEOF'
import json, os, sys
import redis

certificate_id = int(sys.argv[1])
queued = [json.loads(raw) for raw in redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).lrange("celery", 0, -1)]
tasks = [message["headers"]["task"] for message in queued]
renders = [m for m in queued if m["headers"]["task"] == "certificates.tasks.render_certificate_pdf"
           and m["headers"].get("argsrepr") in (f"({certificate_id},)", f"[{certificate_id}]")]
if len(renders) != 1:
    sys.exit(f"FAIL: expected the render task of certificate {certificate_id} waiting in Redis; queue: {tasks}")
print(f"OK: its render task waits in Redis (queue: {', '.join(sorted(set(tasks)))})")
PYEOF

echo
echo "-- Start the worker: the waiting task is rendered"
start_worker
check_rendered "$DOWN_ID"

echo
echo "-- A learner completes CMTP-101 (lessons and the quiz): issue on commit, render in the worker"
DONE_ID=$(shell '
from django.contrib.auth import get_user_model
from django.utils import timezone
from assessments.models import Attempt, Quiz
from certificates.models import Certificate
from curricula.models import CurriculumPage
from curricula.completion import record_lesson_completion

curriculum = CurriculumPage.objects.get(code="CMTP-101", locale__language_code="en")
user = get_user_model().objects.create_user(
    username="celery.learner@example.org", email="celery.learner@example.org", first_name="Dana", last_name="Whitfield"
)
lessons = list(curriculum.lessons())
for lesson in lessons[:-1]:
    assert record_lesson_completion(user=user, lesson=lesson) is None
now = timezone.now()
Attempt.objects.create(
    user=user, quiz=Quiz.objects.get(key="cmtp-101"), number=1, question_ids=[], started_at=now,
    submitted_at=now, score=100, passed=True,
)
completion = record_lesson_completion(user=user, lesson=lessons[-1])
assert completion is not None, "the last lesson did not complete the curriculum"
print(Certificate.objects.get(completion=completion).pk)
' | tail -n 1)
check_rendered "$DONE_ID"

if ! grep -q '"logger": "celery.app.trace"' "$WORK/worker.log"; then
  echo "FAIL: the worker did not log its tasks as JSON lines" >&2
  exit 1
fi
"$PY" - "$WORK/worker.log" <<'PYEOF'
import json, sys
lines = [line for line in open(sys.argv[1], encoding="utf-8") if line.startswith("{")]
records = [json.loads(line) for line in lines]
done = [r for r in records if r["logger"] == "celery.app.trace" and "succeeded" in r["message"]]
assert len(done) >= 2, f"expected two successful render tasks in the worker log, found {len(done)}"
print(f"OK: worker log is JSON ({len(records)} lines, {len(done)} tasks succeeded)")
PYEOF

shell "
import time
from outbox.models import PendingTask
deadline = time.monotonic() + $TIMEOUT
while PendingTask.objects.filter(done_at__isnull=True).exists() and time.monotonic() < deadline:
    time.sleep(0.5)
left = list(PendingTask.objects.filter(done_at__isnull=True).values_list('task', 'last_error'))
assert not left, f'FAIL: side effects still pending in the outbox: {left}'
print(f'OK: outbox drained ({PendingTask.objects.count()} side effects, all done)')
"

stop_worker
echo
echo "Celery check passed."
