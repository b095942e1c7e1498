"""Fixtures for the fault tests: our own Redis, Celery pointed at it (not eager), a real worker in a thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError

from .redis_server import RedisServer, require_redis_server


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    require_redis_server()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir)
    server.start()
    yield server
    server.stop()


def _reset_connections(app) -> None:
    """Forget every broker connection and producer pool, the app's and kombu's global ones (a closed pool
    left in kombu's registry made later eager tasks fail with "Acquire on closed pool")."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def celery_broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """Celery publishes to our own Redis, as production does (tasks are not run in the request)."""
    from config.celery import app

    keys = ("broker_url", "task_always_eager", "broker_connection_timeout", "broker_connection_retry_on_startup")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=redis_server.url(0),
        task_always_eager=False,
        broker_connection_timeout=1,
        broker_connection_retry_on_startup=False,
    )
    _reset_connections(app)
    yield redis_server
    _reset_connections(app)
    app.conf.update(saved)


@contextmanager
def celery_worker() -> Iterator[None]:
    """A real Celery worker (consumer, solo pool) in a thread of this process, on the configured broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        yield


def wait_for(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except OperationalError as exc:  # the in-memory test database is shared with the worker's thread, and
            if "is locked" not in str(exc):  # SQLite's shared cache refuses a read while it writes (no waiting)
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
