"""Settings shared by every environment; everything that varies comes from environment variables."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "content",
    "agencies",
    "competencies",
    "curricula",
    "assessments",
    "certificates",
    "compliance",
    "outbox",
    "learner_cache",
    "wagtail_localize",  # the admin translation workflow for Spanish content (issue 24)
    "wagtail_localize.locales",  # replaces wagtail.locales
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "polymorphic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "content.page_cache.UpdatePageCacheMiddleware",  # outside sessions, CSRF, messages: sees every cookie set
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions, before common: /es/ URLs, Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",  # a Spanish reader on an English URL goes to /es/...
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.textinput.RejectControlCharactersMiddleware",  # one rule for control characters in any text input
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "content.page_cache.FetchFromPageCacheMiddleware",  # after language, user and every redirect are decided
    "learner_cache.middleware.LearnerPageCacheMiddleware",  # signed-in learners' pages, by the same rule
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the lock-out page
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "content.context_processors.navigation",
                "content.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite waits for a lock instead of failing at once when two requests write together. It waits only
    # when a transaction takes the write lock as it begins: a transaction that reads first and then writes
    # (get_or_create) fails at once with "database is locked" when another holds the lock, so transactions
    # begin IMMEDIATE. Write-ahead logging lets readers go on while one writes (docs/operations.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )
    if "DB_CONN_MAX_AGE" not in os.environ:
        # The threaded development server opens a thread per request, whose connection would outlive it. A
        # process-per-worker server (gunicorn sync) sets DB_CONN_MAX_AGE: a new SQLite connection re-reads
        # our ~250-table schema, about 2.5 ms of every request (docs/performance.md).
        DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface languages (issue 24). Strings go through Django's translation machinery; the Spanish catalogue
# locale/es/LC_MESSAGES/django.po is generated by tools/i18n.py from locale/fragments/*.po.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The site's pages are served under /es/... in Spanish (config/urls.py, i18n_patterns); English stays at /...
# A signed-in person's saved choice (accounts.language) wins over the cookie and Accept-Language.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
# Wagtail content in both languages: Spanish pages live in the "es" locale's tree (wagtail-localize).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("S3_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET_NAME"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL"),
            "querystring_auth": True,
        },
    }

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "curricula:dashboard"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL  # private pages send people to the one site login

# Sign-in (accounts app; docs/security.md). Every login path ends in authenticate(), where django-axes counts
# failures per username and client address together: 10 failures lock that pair for 15 minutes (each try
# while locked restarts the 15 minutes); the same person from another address is not locked out.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
AXES_USERNAME_CALLABLE = "accounts.throttle.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Two-factor (django-otp): required for accounts agencies.access.requires_two_factor names.
ACCOUNTS_REQUIRE_TWO_FACTOR = True
OTP_TOTP_ISSUER = "CMTP Learn"
# Nobody reads another person's TOTP secret or QR code in the Django admin (and unknown ids are a 403, not 500).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CMTP Learn <no-reply@cmtp-learn.local>")
# Where vulnerabilities are reported (published at /.well-known/security.txt, RFC 9116).
SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "mailto:security@cmtp-learn.local")

REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_cache(url: str) -> dict:
    """The cache is an optimisation, never a dependency: when Redis fails or hangs, reads are misses and
    writes are dropped (logged), after at most half a second."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    # Sessions live in the database and are cached: a cache outage signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}
# Public pages for anonymous visitors come from the page cache (content/page_cache.py, docs/operations.md):
# keys change with every content change, so the timeout bounds memory, not staleness. nginx or a CDN may keep
# them PAGE_CACHE_SHARED_MAX_AGE seconds only when WAGTAILFRONTENDCACHE (off by default) purges them.
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "3600"))
PAGE_CACHE_SHARED_MAX_AGE = int(os.environ.get("PAGE_CACHE_SHARED_MAX_AGE", "0"))
# Signed-in learners' pages kept per learner under versions that database triggers replace on every write
# (learner_cache/, docs/performance.md). On unless turned off; exactness does not depend on the timeout.
LEARNER_PAGE_CACHE = env_bool("LEARNER_PAGE_CACHE", True)

# Celery: eager in the embedded default, a real broker when one is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task a killed worker had taken is handed out again after the visibility timeout. It must exceed the
# longest task plus the longest retry countdown a worker holds (15 minutes for reminders), or a task would be
# delivered twice; every task is idempotent, so a duplicate costs work, not correctness.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800"))}
CELERY_TIMEZONE = TIME_ZONE
# One nightly assignment sync: it also creates recertification assignments (no separate task for those).
# Agencies with at least this many current staff get their dashboard timelines computed nightly
# (compliance.timelines.warm_dashboards), so the first view of the day is as quick as the next.
COMPLIANCE_WARM_MIN_STAFF = int(os.environ.get("COMPLIANCE_WARM_MIN_STAFF", "1000"))
CELERY_BEAT_SCHEDULE = {
    "sync-assignments-nightly": {"task": "curricula.tasks.sync_all_assignments", "schedule": crontab(hour=2, minute=0)},
    "warm-dashboards-nightly": {"task": "compliance.tasks.warm_dashboards", "schedule": crontab(hour=3, minute=0)},
    # The program view's overview for today, into the cache (compliance.program_cache), after the sync.
    "warm-program-view-nightly": {"task": "compliance.tasks.warm_program_view", "schedule": crontab(hour=3, minute=15)},
    # Item analysis statistics: fold attempts no per-submission task folded (assessments.item_stats).
    "fold-item-statistics": {"task": "assessments.tasks.fold_all_item_statistics", "schedule": crontab(minute="*/5")},
    "reminders-daily": {"task": "compliance.tasks.send_daily_reminders", "schedule": crontab(hour=7, minute=0)},
    # Daily: the digest goes out on the coordinator's digest day (ReminderSchedule); other days it does nothing.
    "digest-weekly": {"task": "compliance.tasks.send_weekly_digests", "schedule": crontab(hour=7, minute=30)},
    "render-pending-certificates": {"task": "certificates.tasks.render_pending", "schedule": crontab(minute="*/10")},
    "outbox-dispatch-pending": {"task": "outbox.tasks.dispatch_pending", "schedule": crontab()},
}

WAGTAIL_SITE_NAME = "CMTP Learn"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # the admin CSP allows images from this site only
WAGTAIL_ENABLE_UPDATE_CHECK = False  # releases.wagtail.org would be refused by the admin CSP
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx"]

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_MAX_UPLOAD_BYTES = 5 * 1024 * 1024

RATELIMIT_VIEW = "config.views.ratelimited"
RATELIMIT_USE_CACHE = "default"
# With the cache down the counters cannot be read: let requests through (the public look-ups still record
# every visit in the database) rather than refuse everyone.
RATELIMIT_FAIL_OPEN = True
# Behind a proxy, the client address is in a header (e.g. HTTP_X_REAL_IP set by nginx).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] if not REDIS_URL else []

WHITENOISE_AUTOREFRESH = DEBUG
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "plain")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Signed credentials and PDFs (certificates/keys.py, docs/certificates.md). Each key is PEM text or the path of
# a PEM file. Unset, the embedded default generates its own keys once and keeps them in CMTP_PRIVATE_DIR.
CMTP_PRIVATE_DIR = Path(os.environ.get("CMTP_PRIVATE_DIR", BASE_DIR / "private"))
CMTP_CREDENTIAL_SIGNING_KEY = os.environ.get("CMTP_CREDENTIAL_SIGNING_KEY", "")  # Ed25519, PKCS#8
# Public keys (Multikey, z6Mk...) of rotated-out signing keys: still published, so old credentials verify.
CMTP_CREDENTIAL_RETIRED_KEYS = env_list("CMTP_CREDENTIAL_RETIRED_KEYS")
CMTP_PDF_SIGNING_KEY = os.environ.get("CMTP_PDF_SIGNING_KEY", "")  # ECDSA P-256, PKCS#8
CMTP_PDF_SIGNING_CERT = os.environ.get("CMTP_PDF_SIGNING_CERT", "")  # its X.509 certificate (PEM)
