"""A Redis server for the distributed-mode tests: REDIS_URL when set (CI starts one, see .ci/run), else a
private `redis-server` on a free port of 127.0.0.1 (no persistence), else the tests skip, saying why."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(tmp: Path) -> Iterator[str]:
    try:
        import redis
        import scrapy_redis  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"distributed mode needs the 'distributed' extra ({exc})")
    if url := os.environ.get("REDIS_URL"):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=5).ping()
        except redis.RedisError as exc:
            pytest.fail(f"REDIS_URL={url} is set but unusable: {exc}")
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis: set REDIS_URL or install redis-server (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail(f"redis-server did not start on port {port}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
