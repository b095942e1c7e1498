"""/health/: what load balancers and monitoring poll. 200 when the database (and the broker, if one is
configured) answer; 503 otherwise, with no more detail than an exception class name."""

import socket
import time

import pytest


def _closed_port() -> int:
    """A local port nothing listens on: bind one, note it, release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db
def test_health_ok_with_database_and_eager_celery(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "eager (no broker configured)"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_503_when_broker_port_is_closed(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 5, "a dead broker must not hang the health check"
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error: ")
    assert "127.0.0.1" not in response.content.decode(), "no connection details leak to the public"


@pytest.mark.django_db
def test_health_ok_with_a_running_broker(client, settings):
    if not _redis_running():
        pytest.skip("no Redis on 127.0.0.1:6379 (CI starts it after the SQLite run)")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/5"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_health_503_when_database_fails(client, monkeypatch):
    from django.db import OperationalError

    from config import views

    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", lambda: BrokenCursor())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_health_needs_no_login_and_sets_no_cookie(client, settings):
    """Polled without cookies; must not create a session or set a cookie."""
    settings.CELERY_BROKER_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert not response.cookies
