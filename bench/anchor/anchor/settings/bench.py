"""The anchor served as the benchmark serves our site: DEBUG off, the database from DATABASE_URL (its own
SQLite file or PostgreSQL database), static files as ours (WhiteNoise, no manifest), the same connection reuse."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "anchor-bench-not-secret"  # noqa: S105 (a throwaway local benchmark site)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",  # noqa: F405
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and "DB_CONN_MAX_AGE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # as ours (config/settings/base.py)
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
STATIC_ROOT = Path(tempfile.gettempdir()) / "anchor-bench-static"  # pages are measured: an empty folder
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
