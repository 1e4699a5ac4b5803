"""Row 13 (feeds) and the key check: open inspectors cost little; --api-key in
constant time."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from cli_server import Served

FEEDS = 200


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in ticks of 10 ms


def test_two_hundred_open_feeds_cost_little(served: Served, client: httpx.Client) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    feeds = []
    for _ in range(FEEDS):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /_fakeopenai/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        feeds.append(sock)
    try:
        time.sleep(1.0)  # every feed has its snapshot
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
        before = _cpu_seconds(served.proc.pid)
        started = time.perf_counter()
        for _ in range(100):
            assert client.post("/v1/chat/completions", json=body).status_code == 200
        took = time.perf_counter() - started
        health = client.get("/_fakeopenai/health")
        assert health.status_code == 200
        cpu = _cpu_seconds(served.proc.pid) - before
        # 100 requests while 200 feeds watch: the watching is one tick's work, shared.
        assert took < 10, took
        assert cpu < 5, cpu
    finally:
        for sock in feeds:
            sock.close()


def test_the_api_key_check() -> None:
    # hmac.compare_digest on bytes: constant time, and a key outside ASCII is a 401 too
    # (compare_digest refuses non-ASCII str with a TypeError).
    from fakeopenai import FakeOpenAI

    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    with FakeOpenAI(api_key="sk-right-key-0123456789", strict=False) as fake:
        url = fake.base_url + "/chat/completions"

        def status(key: str | bytes) -> int:
            return httpx.post(url, json=body, headers={"api-key": key}).status_code

        assert status("sk-right-key-0123456789") == 200
        assert status("sk-right-key-0123456780") == 401
        assert status("short") == 401
        assert status("kl\xfcc".encode("latin-1")) == 401
