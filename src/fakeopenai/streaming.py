"""Sending an answer on a schedule, with an optional fault: streams and JSON bodies.

``PacedStream`` (SSE) and ``PacedBody`` (one JSON body) are small ASGI responses rather
than Starlette's, because faults need control those do not give: a scripted disconnect
ends the TCP connection in the middle of the HTTP response, a stall keeps it silent.

Every due time is an offset from the moment the request arrived (``Entry.started``),
never a sum of sleeps, so one late wake-up does not delay the rest of the stream and
many concurrent paced streams keep their pace. A watcher task listens for the client
going away: a stream then stops at once (no traceback, no task left behind) and the
journal entry records ``client_disconnected`` and the pieces sent so far.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio
from anyio import CancelScope
from starlette.responses import Response

from fakeopenai.faults import (
    body_offset,
    close_transport,
    error_event_frame,
    fault_after,
    fault_body,
    fault_kind,
    malformed_frame,
    strike_index,
)
from fakeopenai.journal import Entry
from fakeopenai.scenario import Fault, Latency
from fakeopenai.schedule import Schedule
from fakeopenai.wire.sse import Frame

Scope = Any
Receive = Any
Send = Any
Headers = list[tuple[bytes, bytes]]
# An endpoint's own form of a fault frame (``error_event`` or ``malformed``) striking
# before frame ``index``; None falls back to the chat form (``fakeopenai.faults``).
FaultFrame = Callable[[Fault, int], "bytes | None"]


class _Paced(Response):
    """What both responses share: the clock, the disconnect watcher, faults' effects.

    A Starlette ``Response`` for the type checker and the routing, but sent by our own
    ``__call__``: ``status_code`` and ``raw_headers`` are all it uses of the base.
    """

    def __init__(
        self,
        status: int,
        headers: Headers,
        entry: Entry,
        fault: Fault | None,
    ) -> None:
        self.status_code = status
        self.raw_headers = headers
        self.background = None
        self.entry = entry
        self.fault = fault
        self.start = entry.started
        self._receive: Receive = None
        self._scope: CancelScope | None = None
        self._over = False  # the response ended on purpose (complete, or dropped)
        self._sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    async def start_response(self, send: Send) -> None:
        """Send the status line and headers, ``openai-processing-ms`` measured now."""
        elapsed = str(max(1, round((time.perf_counter() - self.entry.started) * 1000)))
        headers = [
            (name, elapsed.encode() if name == b"openai-processing-ms" else value)
            for name, value in self.raw_headers
        ]
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        self.entry.status = self.status_code
        self.entry.mark("headers_ms")

    async def sleep_until(self, due: float) -> None:
        """Sleep until ``due`` (seconds after the request arrived). Overdue frames still
        yield to the loop once: that is when a client's disconnect gets noticed."""
        await self._sleep(max(0.0, self.start + due - time.perf_counter()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._receive = receive
        # asyncio's own sleep under asyncio: anyio's looks the event loop library up on
        # every call, which was a good part of the cost of sending one piece.
        try:
            asyncio.get_running_loop()
            self._sleep = asyncio.sleep
        except RuntimeError:  # another loop (trio): anyio's sleep works everywhere
            pass
        try:
            async with anyio.create_task_group() as group:
                self._scope = group.cancel_scope
                group.start_soon(self._watch, receive)
                try:
                    await self.deliver(send)
                finally:
                    group.cancel_scope.cancel()
        except anyio.get_cancelled_exc_class():
            # Only the server cancels us from outside (a stall outliving its graceful
            # shutdown): hang up quietly instead of leaving uvicorn a traceback to log.
            with anyio.CancelScope(shield=True):
                await self._hang_up()
        finally:
            self.entry.mark("total_ms")

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if not self._over:
            self.entry.client_disconnected = True
        assert self._scope is not None
        self._scope.cancel()

    def _ending(self) -> None:
        """The journal entry is final before the client can see the end, so a test
        that reads it right after its call returns sees every field."""
        self._over = True
        self.entry.mark("total_ms")

    async def finish(self, send: Send, body: bytes = b"") -> None:
        """End the HTTP response cleanly (the terminating chunk, for a stream)."""
        self._ending()
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def drop(self) -> None:
        """Drop the connection mid-response; return once the server has seen it go."""
        self._ending()
        if close_transport(self._receive):
            await anyio.sleep_forever()  # the watcher cancels us on http.disconnect
        # Not uvicorn: returning without finishing makes the server close the socket.

    async def _hang_up(self) -> None:
        self._over = True
        if close_transport(self._receive):
            with anyio.move_on_after(0.2):
                while (await self._receive())["type"] != "http.disconnect":
                    pass

    async def stall(self, fault: Fault) -> None:
        """Stay silent for ``stall_ms`` (later due times move with it), or forever."""
        if fault.stall_ms is None:
            await anyio.sleep_forever()  # until the client leaves or the server stops
        else:
            await anyio.sleep(fault.stall_ms / 1000)
            self.start += fault.stall_ms / 1000

    async def deliver(self, send: Send) -> None:
        """Send the response: each subclass's own job."""
        raise NotImplementedError


class PacedStream(_Paced):
    """An SSE response sending ``frames`` on a schedule, applying a stream ``fault``."""

    def __init__(
        self,
        frames: Sequence[Frame],
        *,
        headers: Headers,
        entry: Entry,
        latency: Latency | None = None,
        fault: Fault | None = None,
        seed: int = 0,
        media_type: bytes = b"text/event-stream; charset=utf-8",
        fault_frame: FaultFrame | None = None,
    ) -> None:
        super().__init__(200, [(b"content-type", media_type), *headers], entry, fault)
        self.frames = frames
        self.fault_frame = fault_frame
        self.schedule = Schedule(latency, seed)
        self.strike = None if fault is None else strike_index(frames, fault_after(fault))

    async def deliver(self, send: Send) -> None:
        """Headers, then every frame at its due time, the fault striking at its index.

        Frames due at the same moment go out as one body message, one write: a stream's
        opening frames with its first piece, its closing frames with its last piece.
        Under load each write is a system call that every other stream due at that
        moment waits behind. Each piece waits for its due time, even an overdue one (the
        yield to the loop is where a client's disconnect is noticed); the frames that
        open a stream wait once, with its first piece.
        """
        entry = self.entry
        if self.schedule.headers:
            await self.sleep_until(self.schedule.headers)
        await self.start_response(send)
        pieces = 0
        waited = -1  # the piece whose due time was last waited for
        due: list[bytes] = []  # frames due now, not sent yet
        for index, frame in enumerate(self.frames):
            if (index == 0 or frame.content) and waited != pieces:
                await self._flush(send, due)
                await self.sleep_until(self.schedule.due(pieces))
                waited = pieces
            if index == self.strike:
                await self._flush(send, due)
                if not await self._strike(send, index):
                    return
            if index == 0:
                entry.mark("ttft_ms")
            due.append(frame.data)
            if frame.content:
                pieces += 1
                entry.chunks = pieces
        if self.strike == len(self.frames):
            await self._flush(send, due)
            if not await self._strike(send, self.strike):
                return
        entry.completed = True
        await self.finish(send, b"".join(due))

    @staticmethod
    async def _flush(send: Send, due: list[bytes]) -> None:
        """Send the frames due so far, as one body message."""
        if due:
            body = b"".join(due)
            due.clear()
            await send({"type": "http.response.body", "body": body, "more_body": True})

    async def _strike(self, send: Send, index: int) -> bool:
        """Apply the fault before frame ``index``; whether the stream goes on."""
        assert self.fault is not None
        kind = fault_kind(self.fault)
        self.entry.fault = kind
        if kind == "disconnect":
            await self.drop()
            return False
        if kind == "truncate":
            await self.finish(send)
            return False
        custom = self.fault_frame(self.fault, index) if self.fault_frame else None
        if kind == "error_event":
            await self.finish(send, custom or error_event_frame(self.fault))
            return False
        if kind == "malformed":
            broken = custom or malformed_frame(self.frames, index)
            await send({"type": "http.response.body", "body": broken, "more_body": True})
            return True
        await self.stall(self.fault)
        return True


class PacedBody(_Paced):
    """A JSON response: headers at ``headers_ms``, the body ``ttft_ms`` later, and a
    non-streamed ``fault`` (N counts body bytes; see ``fakeopenai.faults``)."""

    def __init__(
        self,
        body: bytes,
        *,
        status: int,
        headers: Headers,
        entry: Entry,
        latency: Latency | None = None,
        fault: Fault | None = None,
    ) -> None:
        self.kind = fault_kind(fault) if fault is not None else None
        self.after = body_offset(fault, body) if fault is not None else 0
        self.payload = fault_body(fault, body) if fault is not None else body
        length = str(len(self.payload)).encode()
        head = [(b"content-type", b"application/json"), *headers, (b"content-length", length)]
        super().__init__(status, head, entry, fault)
        self.schedule = Schedule(latency)

    async def deliver(self, send: Send) -> None:
        """Headers at ``headers_ms``, the body ``ttft_ms`` later, or the fault's bytes."""
        entry, fault = self.entry, self.fault
        entry.completed = False  # until the last byte is out
        if self.schedule.headers:
            await self.sleep_until(self.schedule.headers)
        if fault is not None and self.after == 0 and self.kind in ("disconnect", "stall"):
            entry.fault = self.kind  # before the status line
            if self.kind == "disconnect":
                await self.drop()
                return
            await self.stall(fault)
            await self.sleep_until(self.schedule.headers)
        await self.start_response(send)
        await self.sleep_until(self.schedule.first)
        body = self.payload
        if fault is not None:
            entry.fault = self.kind
            if self.kind in ("disconnect", "stall") and self.after:
                head, body = body[: self.after], body[self.after :]
                entry.mark("ttft_ms")
                await send({"type": "http.response.body", "body": head, "more_body": True})
                if self.kind == "disconnect":
                    await self.drop()
                    return
                await self.stall(fault)
        entry.completed = self.kind in (None, "stall", "malformed")
        entry.mark("ttft_ms")
        await self.finish(send, body)
