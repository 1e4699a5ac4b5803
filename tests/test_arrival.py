"""Latency is timed from when the server read the request, not from when its handler ran."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from fakeopenai import create_app
from fakeopenai.loader import load_rule
from fakeopenai.logs import ARRIVED_KEY
from fakeopenai.serving import ServerThread, stamping_protocol
from fakeopenai.standalone import uvicorn_server

BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode()


def test_the_servers_stamp_each_request_with_its_arrival() -> None:
    seen: list[tuple[Any, float]] = []

    async def probe(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append((scope.get(ARRIVED_KEY), time.perf_counter()))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server = ServerThread(probe)
    server.start()
    try:
        before = time.perf_counter()
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            for _ in range(2):  # a fresh connection, then a kept-alive one
                assert client.get("/").status_code == 204
    finally:
        server.stop()
    assert len(seen) == 2
    for arrived, handled in seen:
        assert isinstance(arrived, float) and before <= arrived <= handled
    assert seen[0][0] < seen[1][0]  # each request its own stamp


def test_fakeopenai_serve_uses_the_stamping_protocol() -> None:
    from fakeopenai.serving import raise_fd_limit

    config = uvicorn_server(create_app(), "info", None, (10.0, 1000)).config
    fitting = raise_fd_limit(1000, raise_limit=False)
    assert config.http is stamping_protocol(head_timeout=10.0, max_connections=fitting)


def test_a_reply_is_due_from_the_arrival_stamp() -> None:
    """A request read 300 ms before its handler runs, with ttft_ms: 400, is answered
    about 100 ms after the handler starts, and its journal timings count from arrival."""
    app = create_app()
    core = app.state.core
    rule = {"reply": {"content": "late", "latency": {"ttft_ms": 400}}}
    core.engine.add(load_rule(rule, source="test", index=0))
    sent: list[dict[str, Any]] = []

    async def run() -> float:
        messages = [{"type": "http.request", "body": BODY, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v1/chat/completions",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
            ARRIVED_KEY: time.perf_counter() - 0.3,
        }
        started = time.perf_counter()
        await app(scope, receive, send)
        return time.perf_counter() - started

    took = asyncio.run(run())
    assert 0.05 <= took < 0.3  # not 0.4 s from the handler's start
    assert json.loads(sent[-1]["body"])["choices"][0]["message"]["content"] == "late"
    entry = core.journal.snapshot()[-1]
    assert entry.timings["ttft_ms"] >= 400
    assert time.time() - entry.time >= 0.35  # its wall-clock time is the arrival's too
