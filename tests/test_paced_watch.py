"""The disconnect watcher of paced responses, in memory, on asyncio and on trio.

Under asyncio the watcher is a plain task that cancels the response's own task; on any
other loop (trio) an anyio task group does it. Both must stop a response when the
client goes, leave nothing running, and swallow only their own cancellation.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import anyio
import pytest

from fakeopenai.journal import Entry, Journal
from fakeopenai.reply import Fault
from fakeopenai.streaming import PacedStream
from fakeopenai.wire.sse import Frame

BACKENDS = ["asyncio", "trio"]
FRAMES = [Frame(b"data: open\n\n"), *(Frame(b"data: %d\n\n" % i, True) for i in range(3))]


def stream(fault: Fault | None = None) -> tuple[PacedStream, Entry]:
    entry = Journal().new("POST", "/v1/chat/completions", {}, "req_x")
    return PacedStream(FRAMES, headers=[], entry=entry, fault=fault), entry


class Client:
    """ASGI ``receive``/``send`` of a client that leaves 50 ms after it got
    ``leave_after`` pieces (None: never), counting what it was sent."""

    def __init__(self, leave_after: int | None = None) -> None:
        self.leave_after = leave_after
        self.bodies: list[bytes] = []
        self.gone = anyio.Event()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            self.bodies.append(message["body"])
            if self.leave_after is not None and self.pieces >= self.leave_after:
                self.gone.set()

    async def receive(self) -> dict[str, Any]:
        await self.gone.wait()
        await anyio.sleep(0.05)
        return {"type": "http.disconnect"}

    @property
    def pieces(self) -> int:
        return b"".join(self.bodies).count(b"data: ") - 1  # less the opener


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_complete_stream_ends_with_no_disconnect_recorded(backend: str) -> None:
    response, entry = stream()
    client = Client()

    async def main() -> None:
        with anyio.fail_after(5):
            await response({"type": "http"}, client.receive, client.send)

    anyio.run(main, backend=backend)
    assert client.pieces == 3 and entry.completed
    assert not entry.client_disconnected and "total_ms" in entry.timings


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_client_leaving_a_stall_ends_the_response(backend: str) -> None:
    response, entry = stream(Fault(stall_after=1))  # stalls forever after piece 1
    client = Client(leave_after=1)

    async def main() -> None:
        with anyio.fail_after(5):
            await response({"type": "http"}, client.receive, client.send)

    anyio.run(main, backend=backend)
    assert client.pieces == 1 and entry.chunks == 1 and entry.fault == "stall"
    assert entry.client_disconnected and not entry.completed


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_servers_cancel_hangs_up_quietly(backend: str) -> None:
    """A stall outliving the server's graceful shutdown: the server cancels the
    response, which returns without an exception (uvicorn would log one)."""
    response, entry = stream(Fault(stall_after=1))
    client = Client()  # never leaves

    async def main() -> None:
        with anyio.move_on_after(0.1) as scope:
            await response({"type": "http"}, client.receive, client.send)
        assert scope.cancelled_caught or scope.cancel_called

    anyio.run(main, backend=backend)
    assert client.pieces == 1 and "total_ms" in entry.timings
    assert not entry.client_disconnected


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is 3.11+")
def test_the_watchers_cancel_is_consumed_and_its_task_ends() -> None:
    """The task that ran a response the client left is not left "cancelling" (later
    awaits in it, uvicorn's, must not be cut short) and no watcher task stays behind."""
    response, entry = stream(Fault(stall_after=1))
    client = Client(leave_after=1)

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        await response({"type": "http"}, client.receive, client.send)  # in this task
        assert task.cancelling() == 0
        await asyncio.sleep(0)  # a cancelled watcher finishes on its next step
        assert asyncio.all_tasks() == {task}
        await asyncio.sleep(0.01)  # and this task can still sleep

    asyncio.run(main())
    assert entry.client_disconnected
