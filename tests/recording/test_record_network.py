"""The proxy's sockets on plain asyncio (``recording.network``): in use, and doing what
httpcore's own backend does — timeouts, errors, flow control, a closed idle connection
noticed, TLS — against real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
import trustme

from fakeopenai import FakeOpenAI
from fakeopenai.recording import connect, network, upstream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[int]:
    """A raw TCP server on the test's loop; its port."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_the_proxy_clients_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """An httpx release that moves its pool would silently bring anyio back: noticed."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    pools = upstream.Pools()
    try:
        for transport in pools.prepare():
            assert isinstance(transport, httpx.AsyncHTTPTransport)
            assert isinstance(transport._pool._network_backend, network.AsyncioBackend)
    finally:
        await pools.aclose()


async def test_a_read_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client goes

    async with serving(silent) as port:
        stream = await network.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(1024, timeout=0.05)
        await stream.aclose()


@contextlib.contextmanager
def blackhole() -> Iterator[int]:
    """A port whose connections neither succeed nor fail: its listener accepts nothing
    and its queue is full, so the kernel drops each new connection's SYN (as a network
    that drops IPv6 does)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield port
    finally:
        for one in [*fillers, listener]:
            one.close()


def info(port: int, family: int = socket.AF_INET) -> connect.AddrInfo:
    return (family, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))


def test_addresses_alternate_families() -> None:
    v6 = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (f"::{i}", 1, 0, 0)) for i in (1, 2)]
    v4 = [info(1), info(2)]
    ordered = connect.interleaved([*v6, *v4])
    assert ordered == [v6[0], v4[0], v6[1], v4[1]]


class Resolving(network.AsyncioBackend):
    """A backend whose resolver lists the addresses given."""

    def __init__(self, infos: list[connect.AddrInfo]) -> None:
        self.infos = infos

    async def resolve(self, host: str, port: int) -> list[connect.AddrInfo]:
        return self.infos


async def test_an_address_that_never_answers_loses_the_race() -> None:
    """Happy eyeballs: an address that drops packets (a broken IPv6 route) delays a
    connection by the next address's head start, not by the connect timeout."""

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    async with serving(hello) as port:
        with blackhole() as dead:
            backend = Resolving([info(dead), info(port)])
            began = time.monotonic()
            stream = await backend.connect_tcp("api.example", 443, timeout=10)
            took = time.monotonic() - began
            assert await stream.read(1024, timeout=5) == b"hello"
            assert connect.HEAD_START <= took < 5  # not the 10 s timeout
            await stream.aclose()
            with pytest.raises(httpcore.ConnectTimeout):  # alone, it times out
                await Resolving([info(dead)]).connect_tcp("api.example", 443, timeout=0.3)


async def test_every_reason_is_given_when_no_address_answers() -> None:
    async def nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with serving(nothing) as port:
        pass  # the port is free again: both addresses refuse
    with pytest.raises(httpcore.ConnectError) as caught:
        await Resolving([info(port), info(port)]).connect_tcp("api.example", 443, timeout=5)
    assert str(caught.value).count(f"[Errno {errno.ECONNREFUSED}]") == 2


async def test_reading_pauses_for_a_slow_reader_and_loses_nothing() -> None:
    sent = bytes(range(256)) * 8192  # 2 MiB, eight times the high-water mark

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(sent)
        await writer.drain()
        writer.close()

    async with serving(flood) as port:
        stream = await network.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert isinstance(stream, network.AsyncioStream)
        protocol = stream._protocol
        for _ in range(200):  # let it fill up
            if protocol.paused:
                break
            await asyncio.sleep(0.01)
        assert protocol.paused  # it stopped reading...
        assert protocol.size < 2 * network.HIGH_WATER  # ...near the mark, not at 2 MiB
        got = bytearray()
        while data := await stream.read(65536, timeout=5):
            got += data
        assert bytes(got) == sent
        await stream.aclose()


async def test_a_write_waits_for_a_slow_reader_and_times_out_on_none() -> None:
    ready = asyncio.Event()

    async def stalled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ready.set()
        await asyncio.sleep(5)  # reads nothing

    async with serving(stalled) as port:
        stream = await network.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await ready.wait()
        with pytest.raises(httpcore.WriteTimeout):
            for _ in range(64):  # until the kernel's buffers and the transport's are full
                await stream.write(b"x" * 1024 * 1024, timeout=0.2)
        await stream.aclose()


class CountingTransport:
    """A transport that notes each ``write`` before passing it on."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.writes = inner, []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_request_head_and_body_go_out_in_one_write() -> None:
    """A small write waits for the next one (a request's body after its head), for a
    read, or for the end of the loop's turn: one system call, nothing held longer."""
    received = bytearray()

    async def note(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            received.extend(data)

    async def until_ping() -> None:
        while not received.endswith(b"ping"):
            await asyncio.sleep(0.01)

    async with serving(note) as port:
        stream = await network.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert isinstance(stream, network.AsyncioStream)
        counting = stream._protocol.transport = CountingTransport(stream._protocol.transport)
        await stream.write(b"POST / HTTP/1.1\r\n\r\n")
        await stream.write(b"{}")
        assert counting.writes == [b"POST / HTTP/1.1\r\n\r\n{}"]
        await stream.write(b"ping")  # alone: out at the end of this turn of the loop
        await asyncio.wait_for(until_ping(), 5)
        assert counting.writes[-1] == b"ping"
        assert bytes(received) == b"POST / HTTP/1.1\r\n\r\n{}ping"
        await stream.aclose()


async def test_an_idle_connection_the_server_closed_is_readable() -> None:
    """httpcore asks ``is_readable`` of an idle pooled connection: True means the
    upstream closed it, and the pool opens a new one instead of failing a request."""

    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with serving(close_at_once) as port:
        stream = await network.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        for _ in range(200):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        assert stream.get_extra_info("is_readable")
        assert stream.get_extra_info("server_addr")[1] == port
        assert await stream.read(1024, timeout=5) == b""
        await stream.aclose()


class Front:
    """A port of its own passing bytes to and from ``port``: a TLS terminator with a
    ``context``, else an HTTP proxy (the URL a client sends a proxy made a path again)."""

    def __init__(self, context: ssl.SSLContext | None, port: int) -> None:
        self.context, self.target, self.port = context, port, 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, absolute: bytes = b""
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if absolute:  # "POST http://host:port/v1/..." as a proxy gets it
                    data = data.replace(absolute, b" /", 1)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        inner_reader, inner_writer = await asyncio.open_connection("127.0.0.1", self.target)
        # As a proxy, the request line's URL becomes a path (not every server takes URLs)
        absolute = b"" if self.context else b" http://127.0.0.1:%d/" % self.target
        await asyncio.gather(
            self._pipe(reader, inner_writer, absolute), self._pipe(inner_reader, writer)
        )

    def __enter__(self) -> Front:
        self._thread.start()
        start = asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        server = asyncio.run_coroutine_threadsafe(start, self._loop).result(5)
        self.port = server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def tls_upstream(
    upstream: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """``https://127.0.0.1:PORT/v1`` in front of the upstream, its CA trusted by httpx."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # read by the proxy's first request
    port = int(upstream.base_url.rsplit(":", 1)[1].split("/")[0])
    with Front(context, port) as front:
        yield f"https://127.0.0.1:{front.port}/v1"


def test_recording_from_a_tls_upstream(tls_upstream: str, recorder: Callable[..., Any]) -> None:
    """The real API is HTTPS: the handshake, and a stream read through TLS."""
    rec = recorder(tls_upstream)
    client = rec.client()
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello"}],
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello there! How can I help you today?"
    assert "chunks:" in rec.text()
    plain = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    assert plain.choices[0].message.content


def test_the_proxies_the_environment_names_are_used(
    upstream: FakeOpenAI, recorder: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``HTTP_PROXY`` set, requests go through httpx clients, which route them
    there (straight to a pool otherwise)."""
    port = int(upstream.base_url.rsplit(":", 1)[1].split("/")[0])
    with Front(None, port) as proxy:
        rec = recorder()
        sdk = rec.client()  # made before: the SDK's own client reads the proxy too
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        answer = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
        )
        assert answer.choices[0].message.content == "Hello there! How can I help you today?"
        assert proxy.connections == 1
        assert "Hello there!" in rec.text()


def test_an_ip_address_needs_no_resolver() -> None:
    assert connect.literal("127.0.0.1", 80) == info(80)
    v6 = connect.literal("[::1]", 443)
    assert v6 is not None and v6[0] == socket.AF_INET6 and v6[4][:2] == ("::1", 443)
    assert connect.literal("api.openai.com", 443) is None
