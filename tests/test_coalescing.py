"""CoalescingTransport: an answer's head and body in one write, nothing held past a turn."""

from __future__ import annotations

import asyncio
from typing import Any

from fakeopenai.coalescing import HOLD_MAX, CoalescingTransport


class Recorded:
    """A transport that keeps what it is asked to do."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


def test_a_head_and_body_written_in_one_turn_are_one_write() -> None:
    async def run() -> list[bytes]:
        inner = Recorded()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert inner.writes == [] and transport.get_write_buffer_size() == 19
        transport.write(b"{}")
        await asyncio.sleep(0)
        return inner.writes

    assert asyncio.run(run()) == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


def test_a_lone_write_goes_out_at_the_end_of_its_turn() -> None:
    async def run() -> list[list[bytes]]:
        inner = Recorded()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"data: 1\n\n")
        before = list(inner.writes)
        await asyncio.sleep(0)
        after = list(inner.writes)
        transport.write(b"x" * (HOLD_MAX + 1))  # large: straight out
        return [before, after, inner.writes[1:]]

    before, after, large = asyncio.run(run())
    assert before == [] and after == [b"data: 1\n\n"]
    assert len(large) == 1 and len(large[0]) == HOLD_MAX + 1


def test_close_writes_what_is_held_and_abort_drops_it() -> None:
    async def run() -> tuple[Recorded, Recorded]:
        loop = asyncio.get_running_loop()
        closed, aborted = Recorded(), Recorded()
        for inner in (closed, aborted):
            transport = CoalescingTransport(inner, loop)
            transport.write(b"last bytes")
            if inner is closed:
                transport.close()
            else:
                transport.abort()
            assert transport.is_closing()
            assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
        await asyncio.sleep(0)
        return closed, aborted

    closed, aborted = asyncio.run(run())
    assert closed.writes == [b"last bytes"] and closed.closed
    assert aborted.writes == [] and aborted.aborted
