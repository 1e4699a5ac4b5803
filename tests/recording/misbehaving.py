"""A small misbehaving upstream: raw HTTP/1.1 over asyncio, in a thread. What the
prompt says decides what it does: ``drop`` streams two frames and drops the connection,
``slow`` waits before its first byte, ``stall`` sends nothing and notes when its client
hangs up, anything else streams a short answer."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

SLOW_MS = 300


def _frame(content: str | None, finish: str | None = None) -> bytes:
    delta: dict[str, Any] = {} if content is None else {"content": content}
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    data = f"data: {json.dumps(chunk)}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
)


HANGUPS: list[float] = []  # when a ``stall`` request's connection was closed by its client


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:  # a client that hung up before asking
        HANGUPS.append(time.monotonic())
        return
    length = 0
    for line in head.decode().split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    body = json.loads(await reader.readexactly(length)) if length else {}
    prompt = str(body.get("messages", [{}])[-1].get("content", ""))
    if "slow" in prompt:
        await asyncio.sleep(SLOW_MS / 1000)
    if "stall" in prompt:  # think for a long time; note a client that hangs up
        try:
            if await asyncio.wait_for(reader.read(1), 10) == b"":
                HANGUPS.append(time.monotonic())
        except asyncio.TimeoutError:
            pass
        writer.close()
        return
    writer.write(HEAD)
    for piece in ("Hello", " there"):
        writer.write(_frame(piece))
        await writer.drain()
        await asyncio.sleep(0.01)
    if "drop" in prompt:
        writer.transport.abort()
        return
    writer.write(_frame(None, "stop"))
    data = b"data: [DONE]\n\n"
    writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
    await writer.drain()
    writer.close()


class Misbehaving:
    """``with Misbehaving() as bad: bad.base_url``."""

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Misbehaving:
        self._thread.start()
        start = asyncio.start_server(_serve, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
