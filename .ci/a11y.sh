#!/usr/bin/env bash
# CI: the accessibility crawl (tests/a11y, issue 23). As each kind of person (public, case manager,
# supervisor, agency administrator, training coordinator) it follows every link on the site's own pages,
# plus error states and a quiz attempt in progress, and on each page runs axe-core (WCAG 2.0-2.2 A/AA) at
# 1280, 390 and 320 px, checks that nothing scrolls sideways at 320 px, and runs the W3C Nu HTML checker
# (vnu.jar, one Java run over every page). Fails on a serious or critical axe finding, sideways overflow at
# 320 px or an HTML error. Report: test-artifacts/a11y/report.txt. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

NEED_JAVA=1
# shellcheck source=browser_tools.sh
source .ci/browser_tools.sh
java -version 2>&1 | head -n 1

mkdir -p test-artifacts/a11y
# The test settings (SQLite, eager Celery, in-memory email), as for the journeys.
unset CELERY_BROKER_URL REDIS_URL DATABASE_URL DJANGO_SETTINGS_MODULE
E2E=1 .venv/bin/python -m pytest -q -m e2e tests/a11y -p no:cacheprovider "$@"
echo "Report: test-artifacts/a11y/report.txt"
