"""Sending an answer on a schedule, with an optional fault: streams and JSON bodies.

``PacedStream`` (SSE) and ``PacedBody`` (one JSON body) are small ASGI responses rather
than Starlette's, because faults need control those do not give: a scripted disconnect
ends the TCP connection in the middle of the HTTP response, a stall keeps it silent.
Their clock, disconnect watcher and connection-level effects are ``paced.Paced``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fakeopenai.faults import (
    body_offset,
    error_event_frame,
    fault_after,
    fault_body,
    fault_kind,
    malformed_frame,
    strike_index,
)
from fakeopenai.journal import Entry
from fakeopenai.paced import Headers, Paced, Send, typed
from fakeopenai.scenario import Fault, Latency
from fakeopenai.schedule import Schedule
from fakeopenai.wire.sse import Frame

# An endpoint's own form of a fault frame (``error_event`` or ``malformed``) striking
# before frame ``index``; None falls back to the chat form (``fakeopenai.faults``).
FaultFrame = Callable[[Fault, int], "bytes | None"]


class PacedStream(Paced):
    """An SSE response sending ``frames`` on a schedule, applying a stream ``fault``."""

    # ``sse: {coalesce: true}`` (``fakeopenai.shaped``): frames already due are not
    # written (nor waited for) one by one but together with the next write.
    coalesce = False

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
        super().__init__(200, typed(headers, media_type), entry, fault)
        self.frames = frames
        self.fault_frame = fault_frame
        self.schedule = Schedule(latency, seed)
        self.strike = None if fault is None else strike_index(frames, fault_after(fault))

    async def deliver(self, send: Send) -> None:
        """Headers, then every frame at its due time, the fault striking at its index.

        Frames due at the same moment go out as one body message, one write: a stream's
        opening frames with its first piece, its closing frames with its last piece,
        and every frame of a stream without delays. Under load each write is a system
        call that every other stream due at that moment waits behind. Each piece with
        a due time of its own waits for it, even an overdue one (the yield to the loop
        is where a client's disconnect is noticed); the frames that open a stream wait
        once, with its first piece.
        """
        entry = self.entry
        if self.schedule.headers:
            await self.sleep_until(self.schedule.headers)
        await self.start_response(send)
        pieces = 0
        waited = -1  # the piece whose due time was last looked at
        waited_until = -1.0  # the due time last waited for
        due: list[bytes] = []  # frames due now, not sent yet
        for index, frame in enumerate(self.frames):
            if (index == 0 or frame.content) and waited != pieces:
                at = self.schedule.due(pieces)
                if at != waited_until and not (
                    self.coalesce and at <= time.perf_counter() - self.start
                ):
                    await self._flush(send, due)
                    await self.sleep_until(at)
                    waited_until = at
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


class PacedBody(Paced):
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
        head = [*typed(headers, b"application/json"), (b"content-length", length)]
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
