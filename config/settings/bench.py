"""Benchmark settings: production-like (DEBUG off, real template loaders) on a throwaway database, with
in-memory cache and email so a measurement never waits on a service it is not measuring."""

from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".bench-media"  # noqa: F405
STATIC_ROOT = Path(MEDIA_ROOT) / "static"  # pages are measured, not static files: an empty folder will do
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Redis in production keeps what it is given (up to its maxmemory); the in-memory cache's default of 300
# entries would evict the routes, outlines and bodies of 200 learners' pages while they are measured.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100_000}}
}
# As production with Redis (config/settings/base.py): sessions in the database, read through the cache. The
# in-memory cache is per worker, which is fine here (the measured pages never change a session) and wrong for
# serving, like the page cache.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_ENABLE = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The bench measures pages, not sign-in: its people are signed in with force_login, which passes no second
# factor (the two-factor gate is measured by nothing here and tested in tests/accounts/).
ACCOUNTS_REQUIRE_TWO_FACTOR = False
