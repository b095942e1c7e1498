"""The test database, built once and kept as a file.

Migrating (Wagtail brings ~250 migrations) and loading the real content take most of a minute; copying a
finished SQLite database into the in-memory test database takes a fraction of a second. The file is named
by a hash of everything that shapes it (every migration, the project's code and content source, the
versions of Django and Wagtail), so any change builds a new one. PostgreSQL runs (CI) migrate as usual.

Several pytest processes (xdist workers, other checkouts) may start at once: a lock file makes one build
while the others wait, and a finished file is moved into place in one step."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django
import wagtail
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.sqlite3.creation import DatabaseCreation

from content.loader import load_all

CACHE_DIR = Path(settings.BASE_DIR) / ".test-db-cache"
KEEP = 6  # newest templates kept; older ones are removed when a new one is saved
# Code that only answers requests never runs while the content loads: editing it keeps the template.
SKIP_DIRS = {"__pycache__", "templates", "static", "templatetags"}
SKIP_FILES = {
    "views.py", "urls.py", "forms.py", "queries.py", "presenters.py", "exports.py", "middleware.py",
    "context_processors.py", "admin_viewsets.py", "wagtail_hooks.py", "http.py", "throttle.py", "two_factor.py",
}  # fmt: skip
_original_create_test_db = DatabaseCreation.create_test_db


def _is_project_code(path: Path) -> bool:
    """Under the checkout, but not in the virtual environment (`.venv` sits inside the checkout too)."""
    return path.is_relative_to(Path(settings.BASE_DIR).resolve()) and not path.is_relative_to(
        Path(sys.prefix).resolve()
    )


def _project_dirs() -> list[Path]:
    dirs = [Path(settings.BASE_DIR).resolve() / "config"]
    for app_config in apps.get_app_configs():
        path = Path(app_config.path).resolve()
        if _is_project_code(path):
            dirs.append(path)
    return dirs


def template_key() -> str:
    """A hash of every input of the template: third-party migrations, the project's apps (models,
    migrations, loaders, signals, services, content source) and settings, and the framework versions."""
    sha = hashlib.sha256(f"{django.__version__} {wagtail.__version__}".encode())
    files: list[Path] = []
    for directory in _project_dirs():
        files += [
            p
            for p in directory.rglob("*")
            if p.is_file() and not SKIP_DIRS & set(p.relative_to(directory).parts) and p.name not in SKIP_FILES
        ]
    for app_config in apps.get_app_configs():
        migrations = Path(app_config.path).resolve() / "migrations"
        if not _is_project_code(migrations) and migrations.is_dir():
            files += sorted(migrations.glob("*.py"))
    for path in sorted(set(files)):
        sha.update(str(path).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:20]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process builds a given template while the others starting with the same key wait for it."""
    CACHE_DIR.mkdir(exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target)


def restore(path: Path, *, using=connection) -> None:
    """Replace the whole test database with the template (also after a transactional test's flush)."""
    using.ensure_connection()
    # Read-only: a template another process has just removed raises instead of reading as an empty database.
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _copy(source, using.connection)
    finally:
        source.close()
    # A flush re-creates the content types, maybe under other ids, and this process may have cached them.
    ContentType.objects.clear_cache()


def _save(path: Path, *, using=connection) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        _copy(using.connection, target)
    finally:
        target.close()
    os.replace(partial, path)
    for old in sorted(CACHE_DIR.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".lock").unlink(missing_ok=True)


def in_memory_sqlite(using=connection) -> bool:
    return using.vendor == "sqlite" and using.creation.is_in_memory_db(using.creation._get_test_db_name())


@functools.cache
def template_path() -> Path:
    """The session's template (computed once: files edited while the tests run do not move it)."""
    return CACHE_DIR / f"{template_key()}.sqlite3"


def _create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
    """DatabaseCreation.create_test_db for the in-memory SQLite test database: restore the template, or
    migrate, load the content and save it as the template."""
    if self.connection.alias != DEFAULT_DB_ALIAS or not in_memory_sqlite(self.connection):
        return _original_create_test_db(self, verbosity, autoclobber, serialize, keepdb)
    path = template_path()
    with _locked(path):
        name = self._get_test_db_name()
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        try:
            restore(path, using=self.connection)
        except sqlite3.OperationalError:  # no template for these inputs yet
            name = _original_create_test_db(self, verbosity, autoclobber, False, keepdb)
            load_all()
            _save(path, using=self.connection)
    if serialize:
        self.connection._test_serialized_contents = self.serialize_db_to_string()
    return name


def install() -> None:
    """Route the test database's creation through the template (called before pytest-django creates it)."""
    DatabaseCreation.create_test_db = _create_test_db
