"""Production: secrets from the environment, HTTPS everywhere, hashed static files, JSON logs.

Every setting read here is listed, with an example, in site/deploy/env.example; docs/operations.md explains
them. `DJANGO_SETTINGS_MODULE=config.settings.production python manage.py check --deploy` must stay silent
(tests/test_production.py runs it)."""

import os
import zlib
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CSRF_TRUSTED_ORIGINS, DATABASES, LOGGING, MIDDLEWARE, SITE_URL, env_bool, env_list

DEBUG = False  # whatever DJANGO_DEBUG says

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")


def _obviously_weak(key: str) -> bool:
    """Too short, a known placeholder, few distinct characters, or a repeated pattern (it compresses well)."""
    return (
        len(key) < 50
        or key.startswith(("dev-only", "django-insecure"))
        or len(set(key)) < 10
        or len(zlib.compress(key.encode())) < len(key) * 0.6
    )


if _obviously_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a random value of at least 50 characters, e.g. "
        '`python -c "import secrets; print(secrets.token_urlsafe(64))"`.'
    )

# Hosts and origins: from SITE_URL unless given explicitly.
_site = urlsplit(SITE_URL)
if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
    ALLOWED_HOSTS = [host for host in (_site.hostname, "localhost", "127.0.0.1") if host]
if not CSRF_TRUSTED_ORIGINS and _site.scheme == "https":
    CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# Database: persistent connections (base: DB_CONN_MAX_AGE, default 60 s), checked before reuse.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Static files: hashed names and pre-compressed copies, served by WhiteNoise (or nginx) with a far-future
# cache; `manage.py collectstatic` writes them to STATIC_ROOT at every deploy.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False

# HTTPS: nginx terminates TLS and says so in X-Forwarded-Proto. /health/ stays reachable over plain HTTP
# for load balancers that probe the app servers directly.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview iframe sets its own SAMEORIGIN exception
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(12 * 60 * 60)))
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

# Behind the proxy: the client address comes from X-Real-IP, trusted only from the proxy's address, so the
# login throttle and the verification-page throttle count each client separately.
MIDDLEWARE = ["config.middleware.ProxiedClientAddressMiddleware", *MIDDLEWARE]
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")
_client_ip_header = os.environ.get("DJANGO_CLIENT_IP_HEADER", "X-Real-IP").strip()
CLIENT_IP_HEADER = "HTTP_" + _client_ip_header.upper().replace("-", "_") if _client_ip_header else ""

# Email: SMTP unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)  # noqa: F405

# Celery: keep Django's logging (JSON) in the worker and beat, and keep retrying a broker that restarts.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONCURRENCY = int(os.environ.get("CELERY_WORKER_CONCURRENCY", "2"))

# Logs: one JSON object per line on stderr (journald or the container runtime collects them).
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "json")
LOGGING["loggers"]["django.security.DisallowedHost"] = {"level": "ERROR"}

# The admin's CSP allows images and connections to this site only: no avatars from gravatar.com, no
# version check against releases.wagtail.org from editors' browsers.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = env_bool("WAGTAIL_ENABLE_UPDATE_CHECK", False)
