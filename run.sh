#!/usr/bin/env bash
# CMTP Learn: one script for the two README commands.
#   ./run.sh serve   set up (venv, install, migrate, content, demo data) and serve on http://127.0.0.1:8000
#   ./run.sh test    set up and run the checks (ruff, import contracts and cycles, house rules, mypy) and the
#                    test suite
#   ./run.sh bench   seed a realistic program and measure it, on SQLite and then PostgreSQL (bench/run.py)
#   ./run.sh bench-http   our pages against a bare Wagtail site (bench/anchor) over HTTP with wrk, as ratios
#                    [--db sqlite|postgres] [--scale 1] [--rounds 3] [--reuse] (bench/load.py)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

# Dependencies come from the lock files (requirements/base.txt for serve, requirements/test.txt for the test
# tools; pinned with hashes by pip-compile, see the README), then the project itself without resolving again.
# A stamp per lock file reinstalls when the lock or pyproject.toml changes.
setup_venv() {
  local extras=$1
  local lock="requirements/$extras.txt"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating a virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$extras"
  local want
  want=$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing dependencies from $lock"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$lock"
    "$VENV/bin/python" -m pip install -q --no-deps -e .
    echo "$want" > "$stamp"
  fi
}

prepare_database() {
  "$VENV/bin/python" manage.py migrate --noinput -v0
  "$VENV/bin/python" manage.py createcachetable
  "$VENV/bin/python" manage.py load_content
  "$VENV/bin/python" manage.py seed_demo
}

case "${1:-}" in
  serve)
    setup_venv base
    export DJANGO_SETTINGS_MODULE=config.settings.dev
    prepare_database
    echo
    echo "CMTP Learn is running on http://127.0.0.1:8000  (Wagtail admin: /admin/; press Ctrl+C to stop)"
    exec "$VENV/bin/python" manage.py runserver 127.0.0.1:8000
    ;;
  test)
    setup_venv test
    # The Spanish catalogue check (tests/i18n) runs Django's makemessages, which needs GNU gettext's xgettext.
    if ! command -v xgettext >/dev/null && command -v apt-get >/dev/null; then
      echo "Installing gettext (Debian package)"
      apt-get install -y -qq gettext >/dev/null || sudo apt-get install -y -qq gettext >/dev/null || true
    fi
    "$VENV/bin/ruff" check .
    "$VENV/bin/lint-imports" .importlinter
    "$VENV/bin/python" tools/import_cycles.py
    "$VENV/bin/python" tools/house_rules.py
    "$VENV/bin/mypy"
    shift || true
    # Keep compiled modules and pytest's rewritten test modules between runs (an environment that sets
    # PYTHONDONTWRITEBYTECODE makes every worker, and every subprocess a test starts, compile them again:
    # about 7 s a process). __pycache__ is ignored by git.
    unset PYTHONDONTWRITEBYTECODE
    # Two workers (pytest-xdist; tests that share a resource are grouped, see tests/conftest.py).
    exec "$VENV/bin/python" -m pytest -q -m "not e2e" -n 2 "$@"
    ;;
  bench)
    setup_venv test
    shift || true
    "$VENV/bin/python" bench/run.py --db sqlite "$@"
    if "$VENV/bin/python" -c "import psycopg; psycopg.connect('postgres://postgres@127.0.0.1:5432/postgres').close()" 2>/dev/null; then
      exec "$VENV/bin/python" bench/run.py --db postgres --keep "$@"
    fi
    echo "PostgreSQL does not answer on 127.0.0.1:5432: measured on SQLite only." >&2
    ;;
  bench-http)
    setup_venv test
    if ! command -v wrk >/dev/null; then
      echo "Installing wrk (Debian package)"
      apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null
    fi
    shift || true
    exec "$VENV/bin/python" bench/load.py "$@"
    ;;
  *)
    echo "usage: ./run.sh serve | ./run.sh test | ./run.sh bench [--scale N] | ./run.sh bench-http" >&2
    exit 2
    ;;
esac
