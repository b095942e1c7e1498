"""The embedded default (SQLite under gunicorn, one process per worker): learners opening lessons for the first
time at the same moment in different workers each get their page and their progress row.

Found by `./run.sh bench-http`: a few first views answered 500 "database is locked". A transaction that reads
first and then writes (get_or_create) cannot wait for SQLite's write lock, so it failed at once whenever another
worker held it; transactions now take the lock as they begin (config/settings/base.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from curricula.models import LessonProgress
from tests import dbtemplate

User = get_user_model()

pytestmark = pytest.mark.django_db

WORKERS = 3
USERS_EACH = 40
LESSONS = 4

# One gunicorn worker, as a process: first views of LESSONS lessons by its own USERS_EACH new learners.
WORKER = f"""
import sys
import django

django.setup()
from django.contrib.auth import get_user_model
from django.db import OperationalError

from curricula.models import LessonPage
from curricula.services import record_lesson_view

worker = int(sys.argv[1])
lessons = list(LessonPage.objects.live().order_by("path")[:{LESSONS}])
users = [get_user_model().objects.create_user(f"first-view-{{worker}}-{{n}}") for n in range({USERS_EACH})]
failed = 0
for user in users:
    for lesson in lessons:
        try:
            record_lesson_view(user=user, lesson=lesson)
        except OperationalError as exc:
            failed += 1
            error = str(exc)
print("failed", failed, error if failed else "")
"""


def test_first_views_in_several_worker_processes_are_all_recorded(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    database = tmp_path / "embedded.sqlite3"
    shutil.copyfile(dbtemplate.template_path(), database)  # migrated, with the real lessons
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "DB_CONN_MAX_AGE": "600",  # as gunicorn runs it (docs/operations.md)
    }
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, str(n)],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.strip().splitlines()[-1] == "failed 0", out

    progress, users = LessonProgress._meta.db_table, User._meta.db_table
    query = f"SELECT count(*) FROM {progress} p JOIN {users} u ON u.id = p.user_id WHERE u.username LIKE 'first-%'"  # noqa: S608 - table names from the models
    with closing(sqlite3.connect(database)) as db:
        recorded = db.execute(query).fetchone()[0]
    assert recorded == WORKERS * USERS_EACH * LESSONS
