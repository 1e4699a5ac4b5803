"""Raw servers for the recording proxy's socket tests: a TCP server on the test's
loop, a port that drops every connection's SYN, and a TLS terminator or HTTP proxy in
front of an upstream."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[int]:
    """A raw TCP server on the test's loop; its port."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


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
