#!/usr/bin/env bash
# CI: browser journeys in Chromium (tests/e2e): a case manager completing a curriculum and verifying the
# certificate, a coordinator importing a roster and creating a mandate, an agency administrator exporting
# compliance reports, the public pages; CSP enforced and axe-core run on every key page. Screenshots and
# downloads land in test-artifacts/. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=browser_tools.sh
source .ci/browser_tools.sh

mkdir -p test-artifacts/screenshots
# The journeys run on the test settings (SQLite, eager Celery, in-memory email): no broker from outside.
unset CELERY_BROKER_URL REDIS_URL DATABASE_URL DJANGO_SETTINGS_MODULE
E2E=1 .venv/bin/python -m pytest -q -m e2e tests/e2e -p no:cacheprovider "$@"
echo "Screenshots: test-artifacts/screenshots/"
