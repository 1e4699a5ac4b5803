"""The clock and the watcher every paced response shares (``streaming`` builds on it).

Every due time is an offset from the moment the request arrived (``Entry.started``),
never a sum of sleeps, so one late wake-up does not delay the rest of the answer and
many concurrent paced streams keep their pace. A watcher task listens for the client
going away: the response then stops at once (no traceback, no task left behind) and the
journal entry records ``client_disconnected``. Faults' effects on the connection (drop
it, stall, end early) live here too; which fault strikes when is ``streaming``'s job.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.responses import Response

from fakeopenai.faults import close_transport, connection
from fakeopenai.journal import Entry
from fakeopenai.scenario import Fault

Scope = Any
Receive = Any
Send = Any
Headers = list[tuple[bytes, bytes]]


def typed(headers: Headers, media_type: bytes) -> Headers:
    """``headers`` with a content-type: the scripted one if there is one, else ours."""
    if any(name == b"content-type" for name, _ in headers):
        return headers
    return [(b"content-type", media_type), *headers]


HANG_UP_WAIT = 0.2  # seconds a response cancelled by the server waits to see the close


def _uncancel(task: asyncio.Task[Any] | None) -> None:
    """Take back a cancel this task consumed (3.11+ counts them; 3.10 does not)."""
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()


class Paced(Response):
    """What the two responses of ``streaming`` share: the clock, the disconnect watcher,
    faults' effects on the connection.

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
        self._over = False  # the response ended on purpose (complete, or dropped)
        self._delivering = False  # ``deliver`` is running: the watcher may stop it
        self._gone = False  # the watcher stopped it: the client went away
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
        yield to the loop once: that is when a client's disconnect gets noticed.

        uvloop's timers count whole milliseconds from a clock read once per loop turn,
        so they may wake up to ~1.3 ms early: the sleep is resumed until ``due``, as
        asyncio's own loop (which wakes late, never early) would have it."""
        due += self.start
        await self._sleep(max(0.0, due - time.perf_counter()))
        while (left := due - time.perf_counter()) > 0:
            await self._sleep(left)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._receive = receive
        try:
            task = asyncio.current_task()
        except RuntimeError:  # not asyncio (trio): anyio's task group works everywhere
            task = None
        try:
            if task is None:
                await self._watched_by_anyio(send)
            else:
                await self._watched_by_asyncio(task, send)
        except anyio.get_cancelled_exc_class():
            if connection(receive) is None:
                raise  # served in-process (no connection): the caller's cancel, its timeout
            # The server cancels us (a stall outliving its graceful shutdown): hang up
            # quietly instead of leaving uvicorn a traceback to log. The cancel is
            # consumed: the task must not stay "cancelling" (3.11+).
            _uncancel(task)
            with anyio.CancelScope(shield=True):
                await self._hang_up()
        finally:
            self.entry.mark("total_ms")

    async def _watched_by_asyncio(self, task: asyncio.Task[Any], send: Send) -> None:
        """``deliver`` in this task, a plain asyncio task watching for the client.

        An anyio task group does the same on any loop, but its set-up, cancel (which
        formats the task's repr) and tear-down cost ~110 µs per response: with 100
        streams ending together, the last pieces of the last ones were late by all of it.
        """
        self._sleep = asyncio.sleep  # anyio's looks the loop's library up on every call
        self._delivering = True  # before the watcher exists: an eager task runs at once
        watcher = asyncio.get_running_loop().create_task(self._watch(task.cancel))
        try:
            await self.deliver(send)
        except asyncio.CancelledError:
            if not self._gone:
                raise  # not the watcher's: ``__call__`` knows what to do with it
            _uncancel(task)  # consumed: the task must not stay "cancelling" (3.11+)
        finally:
            self._delivering = False
            if watcher.done() and not watcher.cancelled():
                watcher.result()  # its error, if it failed, is the response's
            else:
                watcher.cancel()  # its job is over (a finished response has woken it already)

    async def _watched_by_anyio(self, send: Send) -> None:
        """``deliver`` in an anyio task group with the watcher: any loop anyio knows."""
        self._delivering = True
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch, group.cancel_scope.cancel)
            try:
                await self.deliver(send)
            finally:
                self._delivering = False
                group.cancel_scope.cancel()

    async def _watch(self, stop: Callable[[], object]) -> None:
        """Wait for the client to go; then ``stop`` the delivery if it is still going.
        If ``receive`` fails, the delivery stops too and the response raises the error."""
        try:
            while (await self._receive())["type"] != "http.disconnect":
                pass
        except Exception:
            if self._delivering:
                self._gone = True
                stop()
            raise
        if not self._over:
            self.entry.client_disconnected = True
        if self._delivering:
            self._gone = True
            stop()

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
        """Close the connection (the server is stopping) and wait, 0.2 s at most, for
        the server to see it go: else it logs the response as unfinished. A cancel
        meanwhile (``asyncio.run`` cancelling every task left) is waited through."""
        self._over = True
        if not close_transport(self._receive, flush=False):
            return
        end = time.perf_counter() + HANG_UP_WAIT
        while (left := end - time.perf_counter()) > 0:
            try:
                with anyio.move_on_after(left):
                    while (await self._receive())["type"] != "http.disconnect":
                        pass
                return
            except asyncio.CancelledError:
                _uncancel(asyncio.current_task())

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
