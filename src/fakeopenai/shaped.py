"""``sse:`` wire options: a stream whose frames reach the wire in another shape.

The frames say the same; only their bytes on the wire change (SPEC.md §7), to test SSE
parsers and what sits between client and server:

- ``line_ending: crlf`` (or ``cr``): every line ends so, as the SSE spec allows;
- ``comments_every_ms: N``: a ``: keep-alive`` comment line every N ms while the stream
  waits (before the first frame, between pieces, during a stall), as proxies send;
- ``split_bytes: N``: every write cut into pieces of N bytes, one body message each,
  even inside a UTF-8 character or between ``\\r`` and ``\\n``;
- ``coalesce: true``: frames already due go out together in one write (without
  latency, the whole stream in one).

A reply without ``sse:`` is sent by ``PacedStream`` untouched: nothing here is on the
default path. The options work through three seams of ``PacedStream``: the ``send``
it is given (wrapped: line endings and splitting), ``sleep_until`` and ``stall``
(comments while waiting) and ``coalesce`` (no write or wait for what is already due).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from fakeopenai.paced import Send
from fakeopenai.scenario import Fault, SseOptions
from fakeopenai.streaming import PacedStream

COMMENT = b": keep-alive\n\n"
_ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


def reshape(body: bytes, ending: bytes) -> bytes:
    """``body`` with every line ending ``ending`` (frames end lines with ``\\n`` only;
    JSON escapes the newlines inside its strings, so each ``\\n`` is a line end)."""
    return body if ending == b"\n" else body.replace(b"\n", ending)


def pieces(body: bytes, size: int | None) -> list[bytes]:
    """``body`` cut every ``size`` bytes (whole when ``size`` is None)."""
    if size is None or len(body) <= size:
        return [body]
    return [body[i : i + size] for i in range(0, len(body), size)]


class ShapedStream(PacedStream):
    """A ``PacedStream`` whose writes follow a reply's ``sse:`` options."""

    def __init__(self, *args: Any, sse: SseOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sse = sse
        self.coalesce = sse.coalesce
        self._line_end = _ENDINGS[sse.line_ending]
        self._period = None if sse.comments_every_ms is None else sse.comments_every_ms / 1000
        self._send: Send | None = None  # the shaped send, once the headers are out
        self._next_comment = 0.0  # seconds after the request arrived

    async def deliver(self, send: Send) -> None:
        """``PacedStream.deliver`` through the shaping ``send``."""

        async def shaped(message: dict[str, Any]) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                if self._period is not None:
                    self._send = shaped
                    self._next_comment = self._now() + self._period
                return
            body = reshape(message.get("body", b""), self._line_end)
            more = message.get("more_body", False)
            cut = pieces(body, self.sse.split_bytes)
            for piece in cut[:-1]:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                await asyncio.sleep(0)  # each piece its own write, not one buffer
            await send({"type": "http.response.body", "body": cut[-1], "more_body": more})

        await super().deliver(shaped)

    def _now(self) -> float:
        return time.perf_counter() - self.start

    async def sleep_until(self, due: float) -> None:
        """Sleep until ``due``, with a comment line every period while waiting."""
        while self._send is not None and self._period is not None and self._next_comment < due:
            await super().sleep_until(self._next_comment)
            await self._send({"type": "http.response.body", "body": COMMENT, "more_body": True})
            self._next_comment += self._period
        await super().sleep_until(due)

    async def stall(self, fault: Fault) -> None:
        """A stall that keeps sending comment lines (a proxy's keep-alive)."""
        if self._send is None or self._period is None:
            await super().stall(fault)
            return
        if fault.stall_ms is None:
            while True:  # until the client leaves or the server stops
                await self.sleep_until(self._next_comment + self._period)
        stalled = fault.stall_ms / 1000
        await self.sleep_until(self._now() + stalled)
        self.start += stalled
        self._next_comment -= stalled  # (the clock moved back under it)


def shaped(sse: SseOptions) -> Callable[..., PacedStream]:
    """What builds a stream with these options (``PacedStream``'s arguments)."""
    return functools.partial(ShapedStream, sse=sse)
