#!/usr/bin/env bash
# CI: browser journeys in Chromium (tests/e2e): a case manager completing a curriculum and verifying the
# certificate, a coordinator importing a roster and creating a mandate, an agency administrator exporting
# compliance reports, the public pages; CSP enforced and axe-core run on every key page. Screenshots and
# downloads land in test-artifacts/. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium (Debian packages)"
  apt_install chromium chromium-driver fonts-dejavu-core
fi
"$CHROMIUM" --version 2>/dev/null | tail -n 1
if ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm (Debian packages)"
  apt_install nodejs npm
fi

# axe-core from the npm registry, at the version package-lock.json pins.
want=$(node -p 'require("./package-lock.json").packages["node_modules/axe-core"].version')
have=$(node -p 'try { require("axe-core/package.json").version } catch (e) { "" }')
if [ "$want" != "$have" ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "Installing axe-core $want"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "axe-core $want"

mkdir -p test-artifacts/screenshots
# The journeys run on the test settings (SQLite, eager Celery, in-memory email): no broker from outside.
unset CELERY_BROKER_URL REDIS_URL DATABASE_URL DJANGO_SETTINGS_MODULE
export CHROMIUM_PATH="$CHROMIUM"
E2E=1 .venv/bin/python -m pytest -q -m e2e tests/e2e -p no:cacheprovider "$@"
echo "Screenshots: test-artifacts/screenshots/"
