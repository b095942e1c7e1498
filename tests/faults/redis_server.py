"""A redis-server of the test's own, on a free port, that the test stops and starts at will (the shared Redis
on 6379 is never touched). Started without persistence: a restart empties it, as a restarted cache-only
Redis does in production."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_available() -> bool:
    return os.path.exists(REDIS_SERVER)


def require_redis_server() -> None:
    """Skip when redis-server is absent, unless CI asks for these tests (CMTP_REQUIRE_FAULT_TESTS=1)."""
    if redis_available():
        return
    if os.environ.get("CMTP_REQUIRE_FAULT_TESTS") == "1":
        pytest.fail(f"redis-server not found at {REDIS_SERVER}, and CI requires the fault tests")
    pytest.skip("redis-server is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        assert not self.ping(), "redis is still answering"

    def restart(self) -> None:
        self.stop()
        self.start()

    def queued(self, queue: str = "celery", db: int = 0) -> int:
        import redis

        return redis.Redis.from_url(self.url(db)).llen(queue)
