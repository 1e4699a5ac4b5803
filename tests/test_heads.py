"""An API answer's head, written without uvicorn's loop over its headers (``heads``,
``cycle``): the same bytes as uvicorn's own path, and uvicorn's path whenever the head
is anything but ordinary."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.heads import Head, encoded
from fakeopenai.respond import JsonBody
from fakeopenai.stack import HTTP_ENV, LOOP_ENV

pytest.importorskip("httptools")

import uvicorn
import uvicorn.protocols.http.httptools_impl as httptools_impl
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
from uvicorn.server import ServerState

from fakeopenai.cycle import Cycle, making_cycles
from fakeopenai.serving import stamping_protocol

DEFAULTS = [(b"date", b"Mon, 07 Dec 2026 02:58:15 GMT"), (b"server", b"uvicorn")]
API = {"x-request-id": "req_0123", "openai-version": "2020-10-01", "openai-processing-ms": "1"}
TAIL = [(b"x-ratelimit-remaining-requests", b"29999"), (b"openai-project", b"proj_x")]


class Written:
    """A transport that keeps its writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def sent(cls: type[RequestResponseCycle], answer: JsonBody, **how: Any) -> bytes | str:
    """What ``cls`` writes for ``answer`` (or the error it raises)."""
    transport = Written()
    cycle = cls(
        {"method": how.get("method", "POST")},
        transport,  # type: ignore[arg-type]
        FlowControl(transport),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        False,
        DEFAULTS,
        asyncio.Event(),
        False,
        how.get("keep_alive", True),
        lambda: None,
    )

    async def run() -> None:
        await answer({}, None, cycle.send)

    try:
        asyncio.run(run())
    except RuntimeError as exc:
        return str(exc)
    return b"".join(transport.writes)


@pytest.mark.parametrize(
    ("headers", "how"),
    [
        (API, {}),
        (API, {"keep_alive": False}),  # the connection ends: uvicorn adds connection: close
        (API, {"method": "HEAD"}),
        ({**API, "X-Upper": "a"}, {}),  # uvicorn lowers the name
        ({**API, "x-bad": "a\nb"}, {}),  # uvicorn refuses the value
        ({**API, "x bad": "a"}, {}),  # ... and the name
        ({**API, "x-tab": "a\tb"}, {}),  # (a tab is allowed in a value)
        ({**API, "connection": "close"}, {}),  # framing scripted by a reply
        ({**API, "content-length": "2"}, {}),
        ({}, {}),
    ],
)
def test_the_head_is_uvicorns_byte_for_byte(headers: dict[str, str], how: dict[str, Any]) -> None:
    answer = JsonBody(b"{}", 200, headers, tail=TAIL)
    assert sent(Cycle, answer, **how) == sent(RequestResponseCycle, answer, **how)


def test_a_head_is_built_only_for_ordinary_framing() -> None:
    assert type(JsonBody(b"{}", 200, API).raw_headers) is Head
    for framing in ("connection", "content-length", "transfer-encoding"):
        raw = JsonBody(b"{}", 200, {**API, framing: "x"}).raw_headers
        assert type(raw) is list
    assert encoded(DEFAULTS, head([(b"content-length", b"2"), (b"x-a", b"b")], 2)) == (
        b"date: Mon, 07 Dec 2026 02:58:15 GMT\r\nserver: uvicorn\r\ncontent-length: 2\r\nx-a: b\r\n"
    )
    assert encoded(DEFAULTS, head([(b"x-a", b"b")], 2)) is None  # no content-length: uvicorn's


def test_the_server_makes_each_cycle_a_cycle_from_the_start() -> None:
    protocol = stamping_protocol("httptools")
    made = protocol.on_headers_complete
    # uvicorn's own code, reading Cycle where it names its cycle; uvicorn's module as it was
    assert made.__code__ is httptools_impl.HttpToolsProtocol.on_headers_complete.__code__
    assert made.__globals__["RequestResponseCycle"] is Cycle
    assert httptools_impl.RequestResponseCycle is RequestResponseCycle

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await JsonBody(b'{"ok": true}', 200, API)(scope, receive, send)

    async def one_request() -> tuple[type[Any], bytes]:
        config = uvicorn.Config(app, http=protocol, lifespan="off", ws="none")
        config.load()
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()  # the server's end, the client's end
        transport, server = await loop.connect_accepted_socket(
            lambda: protocol(config=config, server_state=ServerState(), app_state={}, _loop=loop),
            ours,
        )
        theirs.setblocking(False)
        await loop.sock_sendall(
            theirs, b"POST /v1/x HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
        )
        written = b""
        while not written.endswith(b'{"ok": true}'):
            written += await asyncio.wait_for(loop.sock_recv(theirs, 65536), 5)
        kind = type(server.cycle)
        transport.close()
        theirs.close()
        return kind, written

    kind, written = asyncio.run(one_request())
    assert kind is Cycle
    assert written.startswith(b"HTTP/1.1 200 OK\r\n") and written.endswith(b'{"ok": true}')


def test_a_uvicorn_that_makes_its_cycle_otherwise_keeps_its_own_path() -> None:
    def on_headers_complete(self: Any) -> None:  # a cycle made under another name
        self.cycle = object()

    with pytest.raises(ImportError):
        making_cycles(on_headers_complete)


def head(pairs: list[tuple[bytes, bytes]], length: int) -> Head:
    made = Head(pairs)
    made.length = length
    return made


@pytest.mark.parametrize(("http", "loop"), [("httptools", "uvloop"), ("h11", "asyncio")])
def test_scripted_headers_reach_the_wire_on_both_stacks(
    http: str, loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    monkeypatch.setenv(HTTP_ENV, http)
    monkeypatch.setenv(LOOP_ENV, loop)
    plain = {"match": {"model": "plain"}, "reply": {"content": "hi", "headers": {"X-Trace": "t1"}}}
    closing = {
        "match": {"model": "closing"},
        "reply": {"content": "hi", "headers": {"Connection": "close"}},
    }
    with FakeOpenAI({"rules": [plain, closing]}) as fake:
        for model in ("plain", "closing", "plain"):
            raw = post_raw(fake.url, model)
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            assert lines[0] == b"HTTP/1.1 200 OK", lines
            names = [line.split(b":")[0] for line in lines[1:]]
            assert names[-2:] == [b"content-length", b"content-type"], names
            assert len(body) == _length(raw)
            assert (b"x-trace: t1" in lines) == (model == "plain")
            assert (b"connection: close" in lines) == (model == "closing")
        assert httpx.get(fake.url + "/_fakeopenai/health").json()["stack"]["http"] == http


def post_raw(url: str, model: str) -> bytes:
    """The raw bytes of one chat answer, read to the end of its body."""
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    body = b'{"model": "%s", "messages": [{"role": "user", "content": "hi"}]}' % model.encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer sk-test\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    )
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b": ")
        if name == b"content-length":
            return int(value)
    return 0
