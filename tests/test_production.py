"""Production configuration, checked the way it runs: `config.settings.production` in a fresh process.

- `manage.py check --deploy` is silent (with and without Redis);
- the settings refuse to start without a real secret key;
- `collectstatic` writes hashed, compressed files that WhiteNoise serves with a far-future cache;
- strict headers (HSTS, nosniff, referrer policy, COOP, frame options, CSP) and HTTPS redirects, with
  /health/ exempt; sessions and cache in Redis when REDIS_URL is set; JSON logs;
- the login lock-out (django-axes): the 10th failed login for one username from one address locks that
  pair (429), per client even behind the proxy.
"""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from config.logging import JsonFormatter
from config.middleware import ProxiedClientAddressMiddleware

ROOT = Path(__file__).resolve().parent.parent
HOST = "learn.example.org"

# `manage.py check --deploy --fail-level INFO`, inside a process that does more (each process costs seconds
# of Django start-up): its exit status and output as the command would give them.
DEPLOY_CHECK = r"""
import io
from django.core.management import call_command
from django.core.management.base import SystemCheckError

def deploy_check():
    out = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="INFO", stdout=out, stderr=out)
    except SystemCheckError as exc:
        return {"returncode": 1, "output": out.getvalue() + str(exc)}
    return {"returncode": 0, "output": out.getvalue()}
"""

# collectstatic with the production storage, then the deploy check of that (database-cached) configuration.
COLLECT = (
    "import json\nimport django\ndjango.setup()\n"
    + DEPLOY_CHECK
    + "call_command('collectstatic', interactive=False, verbosity=0)\n"
    + "print(json.dumps({'deploy_check': deploy_check()}))\n"
)

# Runs inside a production-configured process: prints what the tests below assert on, as JSON on stdout,
# and writes one log line (to stderr, through the configured handler).
PROBE = r"""
import json, logging
import django
django.setup()
""" + DEPLOY_CHECK + r"""
deploy = deploy_check()
from django.conf import settings
from django.templatetags.static import static
from django.test import Client

client = Client()

def fetch(path, https=True, **extra):
    if https:
        extra["HTTP_X_FORWARDED_PROTO"] = "https"
    response = client.get(path, HTTP_HOST=HOST, HTTP_ACCEPT_ENCODING="gzip", **extra)
    return {"status": response.status_code, "headers": {k.lower(): v for k, v in response.headers.items()}}

HOST = settings.ALLOWED_HOSTS[0]
result = {
    "settings": {
        "DEBUG": settings.DEBUG,
        "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
        "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
        "cache": settings.CACHES["default"]["BACKEND"],
        "cache_location": settings.CACHES["default"]["LOCATION"],
        "session_engine": settings.SESSION_ENGINE,
        "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
        "middleware": settings.MIDDLEWARE,
        "log_formatter": settings.LOGGING["handlers"]["console"]["formatter"],
        "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
        "celery_hijacks_logging": settings.CELERY_WORKER_HIJACK_ROOT_LOGGER,
    },
    "static_url": static("css/site.css"),
    "deploy_check": deploy,
}
result["health_https"] = fetch("/health/")
result["health_http"] = fetch("/health/", https=False)
result["page_http"] = fetch("/learn/", https=False)
result["static"] = fetch(result["static_url"])
logging.getLogger("cmtp.probe").warning("probe says %s", "hello", extra={"agency": "harbor-health"})

# With Redis running: a session and a cache entry really land in the Redis database REDIS_URL names.
try:
    import redis
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import cache

    raw = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1)
    raw.ping()
except Exception as exc:
    result["redis"] = {"available": False, "why": repr(exc)}
else:
    session = SessionStore()
    session["probe"] = "yes"
    session.save()
    cache.set("probe-key", "probe-value", 30)
    keys = [key.decode() for key in raw.keys("*")]
    result["redis"] = {
        "available": True,
        "session_in_redis": any(session.session_key in key for key in keys),
        "session_reads_back": SessionStore(session_key=session.session_key).get("probe") == "yes",
        "cache_in_redis": any(key.endswith("probe-key") for key in keys),
    }
    session.delete()
    cache.delete("probe-key")
print(json.dumps(result))
"""


def production_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """A clean production environment: nothing inherited from the test run's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "LOG_", "S3_", "EMAIL_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "STATIC_ROOT", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"sqlite:///{tmp / 'empty.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        SITE_URL=f"https://{HOST}",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def prod_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="module")
def collecting(prod_tmp, signing_keys) -> dict:
    """collectstatic with the production storage, into a temporary STATIC_ROOT; and, in the same process, the
    deploy check of the configuration without Redis, with signing keys from files."""
    result = run(["-c", COLLECT], production_env(prod_tmp, **signing_keys))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def collected(prod_tmp, collecting) -> Path:
    return prod_tmp / "static"


@pytest.fixture(scope="module")
def probe(prod_tmp, collected, signing_keys) -> dict:
    env = production_env(prod_tmp, REDIS_URL="redis://127.0.0.1:6379/14", **signing_keys)
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["stderr"] = result.stderr
    return data


# ---- manage.py check --deploy ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_keys(prod_tmp) -> dict[str, str]:
    """Signing keys as production gives them: PEM files from the secret store (made here by the same code
    that makes the embedded default's own)."""
    from certificates.keys import _new_ed25519_pem, _new_pdf_identity

    both = _new_pdf_identity()
    split = both.index(b"-----BEGIN CERTIFICATE-----")
    files = {
        "CMTP_CREDENTIAL_SIGNING_KEY": _new_ed25519_pem(),
        "CMTP_PDF_SIGNING_KEY": both[:split],
        "CMTP_PDF_SIGNING_CERT": both[split:],
    }
    for name, pem in files.items():
        (prod_tmp / f"{name.lower()}.pem").write_bytes(pem)
    return {name: str(prod_tmp / f"{name.lower()}.pem") for name in files}


@pytest.mark.parametrize("configuration", ["collecting", "probe"], ids=["db-cache", "redis"])
def test_check_deploy_reports_nothing(configuration, request):
    """With signing keys from files, without Redis (the collectstatic process) and with it (the probe)."""
    result = request.getfixturevalue(configuration)["deploy_check"]
    output = result["output"]
    assert result["returncode"] == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNINGS" not in output and "?: (" not in output, output


def test_check_deploy_warns_when_signing_keys_are_generated_per_server(prod_tmp):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "ERROR"], production_env(prod_tmp))
    output = result.stdout + result.stderr
    assert "certificates.W001" in output and "CMTP_CREDENTIAL_SIGNING_KEY" in output, output


@pytest.mark.parametrize(
    "key",
    [None, "too-short-secret", "dev-only-insecure-key-change-me" + "x" * 40, "a" * 50, "0123456789abcdef" * 4],
    ids=["unset", "short", "placeholder", "one-letter", "repeated-pattern"],
)
def test_production_settings_refuse_a_weak_secret_key(prod_tmp, key):
    env = production_env(prod_tmp)
    env.pop("DJANGO_SECRET_KEY")
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# ---- static files ---------------------------------------------------------------------------------------


def test_collectstatic_writes_hashed_compressed_files(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css" and hashed.startswith("css/site.") and hashed.endswith(".css")
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file(), "WhiteNoise pre-compresses at collectstatic"
    assert "wagtailadmin/css/core.css" in manifest["paths"], "the Wagtail admin's files are collected too"


def test_whitenoise_serves_hashed_names_with_a_far_future_cache(probe):
    assert probe["static_url"].startswith("/static/css/site.") and probe["static_url"] != "/static/css/site.css"
    static = probe["static"]
    assert static["status"] == 200
    assert "immutable" in static["headers"]["cache-control"]
    assert static["headers"].get("content-encoding") == "gzip"


# ---- settings that depend on the environment ------------------------------------------------------------


def test_sessions_and_cache_live_in_redis_when_redis_url_is_set(probe):
    settings = probe["settings"]
    assert settings["cache"] == "django_redis.cache.RedisCache"
    assert settings["cache_location"] == "redis://127.0.0.1:6379/14"
    # Sessions are stored in the database and cached in Redis: a Redis outage signs nobody out.
    assert settings["session_engine"] == "django.contrib.sessions.backends.cached_db"


def test_sessions_and_cache_really_go_to_redis(probe):
    if not probe["redis"]["available"]:
        pytest.skip(f"no Redis on 127.0.0.1:6379 (CI starts it after the SQLite run): {probe['redis']['why']}")
    assert probe["redis"] == {
        "available": True,
        "session_in_redis": True,
        "session_reads_back": True,
        "cache_in_redis": True,
    }


def test_production_defaults(probe):
    settings = probe["settings"]
    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"][0] == HOST and "testserver" not in settings["ALLOWED_HOSTS"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == [f"https://{HOST}"]
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert settings["middleware"][0] == "config.middleware.ProxiedClientAddressMiddleware"
    assert settings["conn_health_checks"] is True
    assert settings["celery_hijacks_logging"] is False


# ---- headers and HTTPS ----------------------------------------------------------------------------------


def test_strict_headers_on_https(probe):
    response = probe["health_https"]
    assert response["status"] == 200
    headers = response["headers"]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert "camera=()" in headers["permissions-policy"]


def test_plain_http_redirects_to_https_except_health(probe):
    assert probe["page_http"]["status"] == 301
    assert probe["page_http"]["headers"]["location"] == f"https://{HOST}/learn/"
    assert probe["health_http"]["status"] == 200, "load balancers probe app servers over plain HTTP"
    assert "strict-transport-security" not in probe["health_http"]["headers"], "HSTS only over HTTPS"


# ---- logs -----------------------------------------------------------------------------------------------


def test_production_logs_are_one_json_object_per_line(probe):
    assert probe["settings"]["log_formatter"] == "json"
    lines = [line for line in probe["stderr"].splitlines() if '"cmtp.probe"' in line]
    assert len(lines) == 1, probe["stderr"]
    record = json.loads(lines[0])
    assert record["level"] == "WARNING"
    assert record["message"] == "probe says hello"
    assert record["agency"] == "harbor-health"
    assert record["time"].endswith("+00:00")


def test_json_formatter_keeps_exceptions_and_gunicorn_request_fields():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad row")
    except ValueError:
        record = logging.getLogger("cmtp").makeRecord(
            "cmtp", logging.ERROR, __file__, 1, "import failed", None, sys.exc_info(), extra={"line": 7}
        )
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["line"] == 7 and "ValueError: bad row" in data["exception"]

    atoms = {"h": "203.0.113.5", "m": "GET", "U": "/learn/", "q": "", "s": 200, "B": 5120, "M": 12, "a": "curl"}
    access = logging.getLogger("gunicorn.access").makeRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(m)s %(U)s" %(s)s', atoms, None
    )
    data = json.loads(formatter.format(access))
    assert data["message"] == '203.0.113.5 "GET /learn/" 200'
    assert data["method"] == "GET" and data["path"] == "/learn/" and data["status"] == 200
    assert data["duration_ms"] == 12 and "query" not in data


# ---- login throttling -----------------------------------------------------------------------------------


def _failed_logins(client, count: int, **extra) -> list[int]:
    return [
        client.post("/accounts/login/", {"username": "pat@example.org", "password": "wrong"}, **extra).status_code
        for _ in range(count)
    ]


@pytest.mark.django_db
def test_tenth_failed_login_for_one_username_from_one_address_locks_that_pair(client):
    statuses = _failed_logins(client, 10, REMOTE_ADDR="198.51.100.20")
    assert statuses == [200] * 9 + [429]
    assert _failed_logins(client, 1, REMOTE_ADDR="198.51.100.21") == [200], "other addresses are not locked"


@pytest.mark.django_db
def test_login_lockout_counts_each_client_behind_the_proxy(client, settings):
    settings.MIDDLEWARE = ["config.middleware.ProxiedClientAddressMiddleware", *settings.MIDDLEWARE]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert _failed_logins(client, 10, HTTP_X_REAL_IP="203.0.113.7", **via_proxy)[-1] == 429
    assert _failed_logins(client, 1, HTTP_X_REAL_IP="203.0.113.8", **via_proxy) == [200]


@pytest.mark.parametrize(
    ("remote", "header", "seen"),
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # from the proxy: the client's address
        ("", "203.0.113.9", "203.0.113.9"),  # Unix socket: only the local proxy can connect
        ("10.1.2.3", "203.0.113.9", "10.1.2.3"),  # not a trusted proxy: the header is ignored
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "192.0.2.1, 203.0.113.9", "203.0.113.9"),  # a list: the address the proxy appended
    ],
)
def test_client_address_comes_from_trusted_proxies_only(settings, remote, header, seen):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_REAL_IP=header)
    middleware = ProxiedClientAddressMiddleware(lambda r: r.META["REMOTE_ADDR"])
    assert middleware(request) == seen


# ---- deployment files -----------------------------------------------------------------------------------

DEPLOY = ROOT / "site" / "deploy"
_SETTING_READ = re.compile(r'(?:os\.environ(?:\.get)?[(\[]|env_bool\(|env_list\(|getenv\()\s*"([A-Z][A-Z0-9_]+)"')


def test_env_example_lists_every_setting_the_application_reads():
    sources = [*sorted((ROOT / "config" / "settings").glob("*.py")), DEPLOY / "gunicorn.conf.py"]
    read = {name for path in sources for name in _SETTING_READ.findall(path.read_text())}
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    read |= {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}  # read by dj-database-url and Django themselves
    assert {"DJANGO_SECRET_KEY", "REDIS_URL", "CELERY_BROKER_URL", "GUNICORN_WORKERS"} <= read
    assert not read - listed, f"add to site/deploy/env.example: {sorted(read - listed)}"


def test_gunicorn_config_defaults_to_two_sync_workers_and_json_logs(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 2 and config["worker_class"] == "sync"
    assert config["bind"] == "127.0.0.1:8000"
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == "config.logging.JsonFormatter"
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 3


def test_nginx_and_systemd_examples_agree_with_the_settings():
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "client_max_body_size 6m;" in nginx
    assert "proxy_set_header X-Real-IP $remote_addr;" in nginx, "CLIENT_IP_HEADER defaults to X-Real-IP"
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx, "SECURE_PROXY_SSL_HEADER"
    assert "proxy_set_header Host $host;" in nginx
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"cmtp-web.service", "cmtp-worker.service", "cmtp-beat.service"}
    assert "gunicorn -c site/deploy/gunicorn.conf.py config.wsgi:application" in units["cmtp-web.service"]
    assert "celery -A config worker" in units["cmtp-worker.service"]
    assert "celery -A config beat" in units["cmtp-beat.service"]
    assert all("EnvironmentFile=/etc/cmtp-learn/env" in text for text in units.values())
