"""The proxy's sockets on plain asyncio (``recording.network``): in use, and doing what
httpcore's own backend does — timeouts, flow control, one write per request, a closed
idle connection noticed — against real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import httpcore
import httpx
import pytest
from rawservers import serving

from fakeopenai.recording import network, upstream


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
