"""Rows 8 and 10: slow and broken clients, on both HTTP stacks (h11 and httptools)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from fakeopenai.app import create_app
from fakeopenai.serving import bind, stamping_protocol

HEAD_TIMEOUT = 0.5
MAX_CONNECTIONS = 40
STACKS = ["h11", "httptools"]


class Running:
    def __init__(self, stack: str, *, ours: bool = True) -> None:
        self.app = app = create_app(body_timeout=0.5)
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            # ours: fakeopenai's protocol times the body; else plain uvicorn's, and the app
            http=stamping_protocol(stack, HEAD_TIMEOUT, MAX_CONNECTIONS, body_timeout=0.5)
            if ours
            else stack,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(params=STACKS)
def running(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[Running]:
    caplog.set_level(logging.WARNING)
    server = Running(request.param)
    yield server
    server.stop()
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


def _connect(port: int, data: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if data:
        sock.sendall(data)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def _health(port: int) -> float:
    started = time.perf_counter()
    answer = httpx.get(f"http://127.0.0.1:{port}/_fakeopenai/health", timeout=5)
    assert answer.status_code == 200
    return time.perf_counter() - started


def test_half_heads_get_408_and_are_closed(running: Running) -> None:
    stalled = [
        _connect(running.port, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        for _ in range(MAX_CONNECTIONS // 2)
    ]
    assert _health(running.port) < 0.5  # others are answered meanwhile
    started = time.perf_counter()
    answers = [_read_all(sock) for sock in stalled]
    assert time.perf_counter() - started < HEAD_TIMEOUT + 3
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:2]
    assert b'"error"' in answers[0]
    for sock in stalled:
        sock.close()


def test_silent_connections_are_closed_quietly(running: Running) -> None:
    silent = _connect(running.port)
    assert _read_all(silent) == b""  # closed after the head timeout, nothing sent
    silent.close()


def test_connections_past_the_limit_get_503(running: Running) -> None:
    held = [_connect(running.port) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.1)
    extra = _connect(running.port)
    assert _read_all(extra).startswith(b"HTTP/1.1 503")
    extra.close()
    for sock in held:
        sock.close()
    time.sleep(0.2)
    assert _health(running.port) < 1


SLOW_HEAD = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
    b"content-length: 100\r\n\r\n"
)


@pytest.mark.parametrize("sent", [b'{"model"', b""], ids=["part", "none"])
def test_a_slow_body_gets_408(running: Running, sent: bytes) -> None:
    sock = _connect(running.port, SLOW_HEAD + sent)
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 0.5 s" in answer
    request_id = answer.split(b"x-request-id: ", 1)[1].split(b"\r\n", 1)[0]
    assert len(request_id) == 36 and request_id.startswith(b"req_") and b"0" * 32 not in request_id
    time.sleep(0.1)  # (the handler journals it once its read ends)
    entry = list(running.app.state.core.journal)[-1]
    assert entry.status == 408
    assert entry.error["code"] == "request_timeout"
    assert not entry.client_disconnected


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_times_the_body_under_a_server_not_ours(stack: str) -> None:
    server = Running(stack, ours=False)
    try:
        sock = _connect(server.port, SLOW_HEAD + b'{"model"')
        answer = _read_all(sock)
        sock.close()
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 0.5 s" in answer


def test_a_malformed_chunked_body_after_an_answer(running: Running) -> None:
    # GET models is answered without reading the body; the broken chunk comes after.
    sock = _connect(
        running.port,
        b"GET /v1/models HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n"
        b"zz\r\nnot a chunk\r\n\r\n",
    )
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert answer.count(b"HTTP/1.1") == 1  # no second response in the stream


def test_a_malformed_chunk_after_the_answer_was_sent(running: Running) -> None:
    sock = _connect(
        running.port,
        b"POST /v1/nowhere HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n",
    )
    sock.settimeout(5)
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 404")  # answered without reading the body
    sock.sendall(b"zz\r\nnot a chunk\r\n\r\n")
    rest = _read_all(sock)
    sock.close()
    assert b"HTTP/1.1" not in rest  # closed, no second response


def test_a_malformed_head_gets_an_envelope(running: Running) -> None:
    sock = _connect(running.port, b"GET / HTTP/1.1\r\nbad header line\r\n\r\n")
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400") and b'"error"' in answer
