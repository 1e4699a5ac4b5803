"""``fakeopenai serve --workers N``: N processes on one port, each with its own journal."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from cli_server import Served

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs os.fork")

HELLO = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}


def answering_pid(url: str) -> int:
    # a new connection each time: the kernel hands each connection to one worker
    with httpx.Client(timeout=30) as client:
        pid: int = client.get(url + "/_fakeopenai/health").json()["pid"]
        return pid


def test_two_workers_both_take_load_each_with_its_own_journal() -> None:
    with Served("--workers", "2", "--no-delay", "--log-level", "warning") as server:
        assert "in 2 processes" in server.banner
        seen: set[int] = set()
        deadline = time.monotonic() + 30
        with ThreadPoolExecutor(8) as pool:
            while len(seen) < 2 and time.monotonic() < deadline:
                seen.update(pool.map(answering_pid, [server.url] * 16))
        assert len(seen) == 2, f"only {seen} answered"
        assert server.proc.pid not in seen  # the parent only waits

        # Every call is journaled by the worker that took it, and by no other.
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(chat, [server.url] * 40))
        assert statuses == [200] * 40
        per_worker: dict[int, int] = {}
        while set(per_worker) != seen and time.monotonic() < deadline:
            with httpx.Client(timeout=30) as client:
                health = client.get(server.url + "/_fakeopenai/health").json()
            per_worker[health["pid"]] = health["requests"]
        assert sum(per_worker.values()) == 40, per_worker
        assert server.interrupt() < 5  # Ctrl+C stops the parent and both workers
        assert server.proc.returncode == 0
    for pid in seen:  # no worker left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def chat(url: str) -> int:
    with httpx.Client(timeout=30) as client:
        return client.post(url + "/v1/chat/completions", json=HELLO).status_code


def test_health_says_which_stack_serves() -> None:
    with Served("--no-delay", "--http", "h11", "--loop", "asyncio") as server:
        health = httpx.get(server.url + "/_fakeopenai/health", timeout=30).json()
        assert health["stack"] == {"http": "h11", "loop": "asyncio"}
        assert health["pid"] == server.proc.pid
