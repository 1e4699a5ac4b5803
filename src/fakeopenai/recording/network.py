"""The proxy's sockets on plain asyncio: an httpcore network backend without anyio.

httpcore (httpx's engine) does its socket I/O through a pluggable network backend.
Under asyncio its default goes through anyio, which puts every read inside a cancel
scope with a deadline (``anyio.fail_after``) and a few more layers. For a proxy passing
50 streams on, that was the larger part of reading a piece: measured in-process on
the test machine, a 50-piece stream cost ~300 µs of CPU a piece through httpx's default
backend and ~190 µs through this one (plain asyncio reading the same bytes: ~85 µs).

This backend does the same job on asyncio's own transports: a read waits on one future,
with a timer only when httpcore gives a timeout; a write waits only when the transport's
buffer is over its limit. HTTP itself (h11, pooling, keep-alive, TLS policy) is still
httpcore's: ``install`` swaps the backend of an ``httpx.AsyncHTTPTransport``'s pool, and
changes nothing when an httpx release lays its transport out differently (the default
backend then stays; a test notices). Connections are opened by ``connect``, racing a
name's addresses as anyio does.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from fakeopenai.recording import connect

# Reading from the upstream pauses above this many bytes received and not yet read (a
# client slower than the upstream), and resumes below a quarter of it.
HIGH_WATER = 256 * 1024
HOLD = 16 * 1024  # a write under this size may wait for the next (see ``_Buffered.write``)


class _Buffered(asyncio.Protocol):
    """A connection's side of asyncio: what was received and not yet read, and the
    futures a read or a write waits on."""

    def __init__(self) -> None:
        self.transport: Any = None
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.error: BaseException | None = None
        self.reading: asyncio.Future[None] | None = None
        self.writing: asyncio.Future[None] | None = None
        self.paused = False  # reading, by us
        self.full = False  # writing, by the transport
        self.pending = b""  # a small write held back, to go out with the next one

    def connection_made(self, transport: Any) -> None:
        self.transport = transport  # (again by ``start_tls``: the TLS transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > HIGH_WATER and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        _wake(self.reading)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.reading)
        return False  # close our side too: an HTTP/1.1 answer that ended is over

    def connection_lost(self, exc: BaseException | None) -> None:
        self.eof = True
        self.error = exc
        _wake(self.reading)
        _wake(self.writing)

    def pause_writing(self) -> None:
        self.full = True

    def resume_writing(self) -> None:
        self.full = False
        _wake(self.writing)

    def write(self, data: bytes) -> None:
        """httpcore writes a request's head and its body one after the other: a small
        write is held until the next, a read, or the end of this turn of the loop, so
        the two go out in one system call, not two."""
        if self.pending:
            data, self.pending = self.pending + data, b""
        elif len(data) < HOLD:
            self.pending = data
            asyncio.get_running_loop().call_soon(self.flush)
            return
        self.transport.write(data)

    def flush(self) -> None:
        if self.pending:
            data, self.pending = self.pending, b""
            self.transport.write(data)

    async def until(self, which: str, timeout: float | None, error: Exception) -> None:
        """Wait for ``reading`` (data, or the end) or ``writing`` (room in the
        transport's buffer); after ``timeout`` seconds, fail with ``error``."""
        waiter = _wait(timeout, error)
        setattr(self, which, waiter)
        try:
            await waiter
        finally:
            setattr(self, which, None)

    def take(self, max_bytes: int) -> bytes:
        data = self.chunks.popleft()
        if len(data) > max_bytes:
            self.chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        self.size -= len(data)
        if self.paused and self.size <= HIGH_WATER // 4:
            self.paused = False
            self.transport.resume_reading()
        return data


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None], error: Exception) -> None:
    if not waiter.done():
        waiter.set_exception(error)


def _wait(timeout: float | None, error: Exception) -> asyncio.Future[None]:
    """A future to wait on, failing with ``error`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    if timeout is not None:
        timer = loop.call_later(timeout, _expire, waiter, error)
        waiter.add_done_callback(lambda _: timer.cancel())
    return waiter


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore reads and writes it."""

    def __init__(self, protocol: _Buffered) -> None:
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        protocol.flush()  # the request, before waiting for its answer
        if not protocol.chunks and not protocol.eof:
            error = httpcore.ReadTimeout("the upstream sent nothing")
            await protocol.until("reading", timeout, error)
        if protocol.chunks:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""  # the upstream closed the connection: httpcore decides what that means

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        protocol = self._protocol
        if not buffer:
            return
        if protocol.transport.is_closing():
            raise httpcore.WriteError("the connection to the upstream is closed")
        protocol.write(buffer)
        if protocol.full:  # over the transport's limit: wait until it drains
            await protocol.until("writing", timeout, httpcore.WriteTimeout("nothing read"))
            if protocol.error is not None:
                raise httpcore.WriteError(str(protocol.error))

    async def aclose(self) -> None:
        self._protocol.flush()
        self._protocol.transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        protocol = self._protocol
        try:
            handshake = loop.start_tls(
                protocol.transport, protocol, ssl_context, server_hostname=server_hostname
            )
            tls = await asyncio.wait_for(handshake, timeout)
        except asyncio.TimeoutError:
            protocol.transport.close()
            raise httpcore.ConnectTimeout("the TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as exc:
            protocol.transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        protocol.transport = tls
        return AsyncioStream(protocol)

    def get_extra_info(self, info: str) -> Any:
        transport = self._protocol.transport
        if info == "is_readable":  # an idle pooled connection the upstream closed
            return self._protocol.eof or bool(self._protocol.chunks)
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        if name in ("ssl_object", "sockname", "peername", "socket"):
            return transport.get_extra_info(name)
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections on the running asyncio loop (asyncio's or uvloop's)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()

        async def connected() -> tuple[Any, _Buffered]:
            infos = await self.resolve(host, port)
            sock = await connect.race(infos, local_address)  # (TCP_NODELAY set)
            return await loop.create_connection(_Buffered, sock=sock)

        try:
            transport, protocol = await asyncio.wait_for(connected(), timeout)
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(protocol)

    async def resolve(self, host: str, port: int) -> list[connect.AddrInfo]:
        """The addresses ``host`` names, as the resolver lists them (an IP address
        names itself: no trip to the resolver's thread)."""
        literal = connect.literal(host, port)
        if literal is not None:
            return [literal]
        loop = asyncio.get_running_loop()
        return list(await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def install(transport: httpx.AsyncHTTPTransport) -> bool:
    """Give ``transport``'s connection pool this backend; whether it could."""
    pool = getattr(transport, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not hasattr(pool, "_network_backend"):
        return False  # a proxy pool, or an httpx laid out differently: its default stays
    pool._network_backend = AsyncioBackend()
    return True
