import contextlib
import gc
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template.base import Template
from django.utils import translation

from content.loader import load_all
from content.models import HomePage

from . import dbtemplate


def pytest_configure(config):
    # Before pytest-django creates the test database: on SQLite it is restored from a saved template.
    dbtemplate.install()
    # A test process holds Django, Wagtail and every test module: hundreds of thousands of long-lived objects
    # that each automatic full garbage collection walks again (about a sixth of the suite's time). Collect
    # less often, and leave what is loaded before the first test out of the walks (gc.freeze, after collection
    # and after the content is loaded). Nothing a test asserts depends on when garbage is collected.
    gc.set_threshold(100_000, 50, 100)


def pytest_collection_finish(session):
    _freeze_what_is_loaded()


def _freeze_what_is_loaded() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`-n 2 --dist loadgroup`), the tests that stop and restart a redis-server of their
    own run on one worker, one after another: a port freed by one restart is never taken by a neighbour."""
    for item in items:
        if item.get_closest_marker("redis_fault"):
            item.add_marker(pytest.mark.xdist_group("redis_fault"))
        elif _has_module_fixture(item):
            # A module-scoped fixture (collectstatic, a production process) is built once per worker that
            # runs any of the module's tests: keep the module on one worker so it is built once.
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _has_module_fixture(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        defs and defs[-1].scope in ("module", "package") for defs in info.name2fixturedefs.values()
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _plain_template_rendering(request, monkeypatch):
    """Render templates as a server does, without the test runner's instrumentation: it copies every
    template's context on every render (each include, each inclusion tag) so that `response.context` can be
    read, a large share of a page's cost in a test. A test that reads `response.context` is marked
    `template_context` (without the mark, `response.context` is None)."""
    if request.node.get_closest_marker("template_context") is None:
        monkeypatch.setattr(Template, "_render", _render_plain)


def _render_plain(self: Template, context) -> str:
    return self.nodelist.render(context)  # Django's own Template._render, before the test runner wraps it


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request under /es/ leaves Spanish active in the thread; every test starts (and leaves) in English,
    so `reverse()` in one test never depends on the language of the test before it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real program content once per test session: every test sees the same published pages,
    curricula and quiz banks a fresh install has, inside its own rolled-back transaction. On SQLite the
    template database already holds it (tests/dbtemplate.py)."""
    with django_db_blocker.unblock():
        if not HomePage.objects.exists():
            load_all()
    _freeze_what_is_loaded()


@pytest.fixture(autouse=True)
def _content_present(request, django_db_blocker):
    """Transactional tests (live server, concurrency) empty every table when they finish; before each
    database test, put the content back if one of them ran, so every test sees the same site."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server", "client", "admin_client")
    )
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            if not HomePage.objects.exists():
                if dbtemplate.in_memory_sqlite() and not connection.in_atomic_block:
                    with contextlib.suppress(sqlite3.OperationalError):  # removed by a newer run: load instead
                        dbtemplate.restore(dbtemplate.template_path())
                if not HomePage.objects.exists():
                    load_all()
    yield
