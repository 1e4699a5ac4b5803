"""The disconnect watcher of paced responses, in memory, on asyncio and on trio.

Under asyncio the watcher is a plain task that cancels the response's own task; on any
other loop (trio) an anyio task group does it. Both must stop a response when the
client goes, leave nothing running, and swallow only their own cancellation.
"""

from __future__ import annotations

import asyncio
import sys
import time
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

    def __init__(self, leave_after: int | None = None, unread: int = 0) -> None:
        self.leave_after = leave_after
        self.bodies: list[bytes] = []
        self.gone = anyio.Event()
        self.transport = Transport(self, unread)  # what uvicorn's ``receive`` holds

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


class Transport(asyncio.WriteTransport):
    """The connection, as far as a hang-up uses it: ``unread`` bytes still buffered."""

    def __init__(self, client: Client, unread: int) -> None:
        super().__init__()
        self.client, self.unread = client, unread
        self.ended: str | None = None

    def get_write_buffer_size(self) -> int:
        return self.unread

    def close(self) -> None:
        self.ended = "close"
        self.client.gone.set()  # the server then sees the connection go

    def abort(self) -> None:
        self.ended = "abort"
        self.client.gone.set()


def raised(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``error`` is a ``kind``, or a group (anyio's task group) holding one."""
    inner = getattr(error, "exceptions", ())
    return isinstance(error, kind) or any(raised(e, kind) for e in inner)


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


@pytest.mark.parametrize("unread", [0, 65536])
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_servers_cancel_hangs_up(backend: str, unread: int) -> None:
    """A stall outliving the server's graceful shutdown: the server cancels the
    response, which closes the connection and returns once the server saw it go (so
    uvicorn has nothing to log: tests/test_fake.py checks that on a real server).
    Bytes the client never read are dropped: a close would wait for them."""
    response, entry = stream(Fault(stall_after=1))
    client = Client(unread=unread)  # never leaves by itself

    async def main() -> None:
        with anyio.move_on_after(0.1):
            await response({"type": "http"}, client.receive, client.send)

    anyio.run(main, backend=backend)
    assert client.transport.ended == ("abort" if unread else "close")
    assert client.pieces == 1 and "total_ms" in entry.timings
    assert not entry.client_disconnected  # the server hung up, not the client


@pytest.mark.parametrize("backend", BACKENDS)
def test_served_in_process_a_cancel_is_the_callers(backend: str) -> None:
    """No connection to hang up (``create_app`` under httpx's ASGITransport, say): the
    response runs in the caller's task, and the caller's timeout must fire."""
    response, entry = stream(Fault(stall_after=1))
    client = Client()
    del client.transport  # not uvicorn's

    async def main() -> bool:
        with anyio.move_on_after(0.1) as scope:
            await response({"type": "http"}, client.receive, client.send)
        return scope.cancelled_caught

    assert anyio.run(main, backend=backend)  # the cancel reached the caller's scope
    assert client.pieces == 1 and "total_ms" in entry.timings


class Broken(Client):
    async def receive(self) -> dict[str, Any]:
        await anyio.sleep(0.05)
        raise OSError("receive failed")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_receive_stops_the_response_with_its_error(backend: str) -> None:
    response, _ = stream(Fault(stall_after=1))  # would stall forever
    client = Broken()

    async def main() -> None:
        with anyio.fail_after(5):
            await response({"type": "http"}, client.receive, client.send)

    started = time.perf_counter()
    with pytest.raises(BaseException) as caught:
        anyio.run(main, backend=backend)
    assert raised(caught.value, OSError) and not raised(caught.value, TimeoutError)
    assert time.perf_counter() - started < 2  # at once, not when the stall ends


class Gone(Client):
    async def receive(self) -> dict[str, Any]:
        return {"type": "http.disconnect"}  # at once, as uvicorn's once the client left


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager task factories are 3.12+")
def test_an_eager_watcher_that_finds_the_client_gone_stops_the_response() -> None:
    """An eager task runs as it is created: the response must already count as
    delivering, or a client gone before the first byte leaves a stall running."""
    response, entry = stream(Fault(stall_after=1))
    client = Gone()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
        await asyncio.wait_for(response({"type": "http"}, client.receive, client.send), 5)

    started = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - started < 2 and entry.client_disconnected


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
