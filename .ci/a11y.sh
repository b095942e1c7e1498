#!/usr/bin/env bash
# CI: the accessibility crawl (tests/a11y, issue 23). As each kind of person (public, case manager,
# supervisor, agency administrator, training coordinator) it follows every link on the site's own pages,
# plus error states and a quiz attempt in progress, and on each page runs axe-core (WCAG 2.0-2.2 A/AA) at
# 1280, 390 and 320 px, checks that nothing scrolls sideways at 320 px, and runs the W3C Nu HTML checker
# (vnu.jar, one Java run over every page). Fails on a serious or critical axe finding, sideways overflow at
# 320 px or an HTML error. Report: test-artifacts/a11y/report.txt. Exits non-zero on any failure.
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
if ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm (Debian packages)"
  apt_install nodejs npm
fi
if ! command -v java >/dev/null; then
  echo "Installing Java for the Nu HTML checker (Debian packages)"
  apt_install default-jre-headless
fi

# axe-core and vnu-jar from the npm registry, at the versions package-lock.json pins.
installed() { node -p "try { require('$1/package.json').version } catch (e) { '' }"; }
locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; }
if [ "$(locked axe-core)" != "$(installed axe-core)" ] || [ "$(locked vnu-jar)" != "$(installed vnu-jar)" ] \
  || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
  echo "Installing axe-core and vnu-jar"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "axe-core $(locked axe-core), vnu-jar $(locked vnu-jar), $(java -version 2>&1 | head -n 1)"

mkdir -p test-artifacts/a11y
# The test settings (SQLite, eager Celery, in-memory email), as for the journeys.
unset CELERY_BROKER_URL REDIS_URL DATABASE_URL DJANGO_SETTINGS_MODULE
export CHROMIUM_PATH="$CHROMIUM"
E2E=1 .venv/bin/python -m pytest -q -m e2e tests/a11y -p no:cacheprovider "$@"
echo "Report: test-artifacts/a11y/report.txt"
