"""A client that goes away costs nothing: no traceback, no task left, an exact journal."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

MESSAGES = [{"role": "user", "content": "Count slowly"}]
SLOW = {
    "name": "slow-count",
    "match": {"model": "count"},
    "reply": {
        "chunks": [f"{n} " for n in range(50)],
        "latency": {"ttft_ms": 300, "chunk_ms": 20},  # 300 ms: time to start all 200
    },
}
LOGGERS = ("uvicorn", "uvicorn.error", "asyncio", "fakeopenai")


class Records(logging.Handler):
    """The server's log records. asyncio's from the test's own thread are the client's
    (a garbage-collected SDK client of another test may close itself on this test's
    loop as it ends), not the server's, which runs in a thread of its own."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.client_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "asyncio" and record.thread == self.client_thread:
            return
        self.records.append(record)


@pytest.fixture
def logs() -> Iterator[list[logging.LogRecord]]:
    """What the server logs (attached after uvicorn configured its loggers)."""
    handler = Records()
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    yield handler.records
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)


def running_tasks(fake: FakeOpenAI) -> int:
    """Request tasks uvicorn is still running (a debug peek at the server thread)."""
    return len(fake._server._server.server_state.tasks)  # type: ignore[union-attr]


def wait_for(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return bool(condition())  # type: ignore[operator]


async def abort_streams(url: str, count: int, after: int) -> list[int]:
    """Open ``count`` streams at once, read ``after`` pieces of each, then hang up.

    Raw sockets: the client must cost little next to the server in this process (and
    the SDK's async ``close()`` drains an HTTP/1.1 body, which a leaving client doesn't).
    """
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"model": "count", "messages": MESSAGES, "stream": True}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )

    async def one() -> int:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(request)
        received = b""
        while pieces(received) < after:
            data = await reader.read(65536)
            if not data:
                break
            received += data
        writer.close()  # mid-stream: the rest is never read
        await writer.wait_closed()
        return pieces(received)

    return await asyncio.gather(*(one() for _ in range(count)))


def pieces(raw: bytes) -> int:
    return raw.count(b'"content":"') - raw.count(b'"content":""')


def test_200_aborted_streams_leave_no_task_and_no_log(logs: list[logging.LogRecord]) -> None:
    with FakeOpenAI() as fake:
        fake.add(SLOW)
        seen = asyncio.run(abort_streams(fake.url, 200, after=3))
        assert all(3 <= n < 50 for n in seen)
        entries = fake.requests
        assert len(entries) == 200
        assert wait_for(lambda: all("total_ms" in e.timings for e in entries))
        assert wait_for(lambda: running_tasks(fake) == 0)
        assert all(e.client_disconnected and not e.completed for e in entries)
        assert all(3 <= e.chunks < 50 for e in entries)  # what was sent before the hang-up
        health = httpx.get(fake.url + "/_fakeopenai/health")
        assert health.status_code == 200
        answer = httpx.post(
            fake.base_url + "/chat/completions",
            json={"model": "count", "messages": MESSAGES, "stream": True},
        )
        assert answer.text.endswith("data: [DONE]\n\n")
        assert fake.requests.last.completed
    assert [r.getMessage() for r in logs if r.levelno >= logging.WARNING] == []


FAULTS_SCENARIO = """
rules:
  - reply: {content: "warm up"}
"""


def fake_rules(base: str, scenario: dict[str, object]) -> None:
    """Replace the served scenario (the control API's PUT)."""
    httpx.put(base + "/_fakeopenai/scenarios", json=scenario).raise_for_status()


def outcome(client: openai.OpenAI, stream: bool) -> str:
    """What the SDK makes of the served answer: "ok" or the exception's class name."""
    try:
        answer = client.chat.completions.create(model="m", messages=MESSAGES, stream=stream)  # type: ignore[arg-type]
        for _ in answer if stream else ():  # type: ignore[union-attr]
            pass
    except (openai.OpenAIError, json.JSONDecodeError) as exc:
        return type(exc).__name__
    return "ok"


def test_faults_and_aborts_log_nothing_on_the_servers_stderr(tmp_path: Path) -> None:
    """``fakeopenai serve`` (uvicorn in its own process): scripted faults, clients that
    give up or vanish, then Ctrl+C. Its stderr must stay empty: no traceback, no
    "ASGI callable returned without completing response", no asyncio warnings."""
    scenario = tmp_path / "faults.yaml"
    scenario.write_text(FAULTS_SCENARIO)
    command = [sys.executable, "-m", "fakeopenai", "serve", str(scenario), "--port", "0"]
    server = subprocess.Popen(
        [*command, "--no-delay", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+", banner)
        assert url is not None, banner
        base = url.group(0)
        client = openai.OpenAI(base_url=base + "/v1", api_key="k", max_retries=0, timeout=5)
        client.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]
        outcomes = []
        for kind in ("disconnect", "truncate", "stall", "malformed", "error_event"):
            fault = {f"{kind}_after": 2}
            put = {"name": "faults", "rules": [{"reply": {"content": "a b c d", "fault": fault}}]}
            fake_rules(base, put)
            for stream in (True, False):
                outcomes.append(outcome(client.with_options(timeout=1.0), stream))
        assert outcomes == [
            "APIConnectionError", "APIConnectionError",  # disconnect: stream, body
            "ok", "JSONDecodeError",  # truncate: a clean short stream; a cut JSON body
            "APITimeoutError", "APITimeoutError",  # stall
            "JSONDecodeError", "JSONDecodeError",  # malformed
            "APIError", "ok",  # error_event: in the stream; a 200 body (not validated)
        ]  # fmt: skip
        fake_rules(base, {"name": "slow", "rules": [SLOW]})
        seen = asyncio.run(abort_streams(base, 20, after=3))
        assert all(3 <= n < 50 for n in seen)
        time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=10)
    assert stderr == ""
