"""One system call per answer: a response's head and body leave in a single write.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start``, and the body when it sends ``http.response.body``: two
``send()`` system calls, two TCP segments, for every non-streamed answer. Under ``wrk``
those calls were a quarter of the server's CPU (on loopback a send also hands the bytes
to the receiving socket). ``CoalescingTransport`` wraps the connection's transport: the
first write of a loop turn is held, a second write in the same turn goes out together
with it, and a write that stays alone goes out at the end of the turn (``call_soon``).
A stream's pieces are not delayed beyond the turn that wrote them.

Everything else (close, abort, flow control, extra info) is the transport's own; a close
or abort sees the held bytes first, as a transport's own buffer would.
"""

from __future__ import annotations

import asyncio
from typing import Any

HOLD_MAX = 64 * 1024  # a larger write goes straight out (nothing to gain by copying it)


class CoalescingTransport:
    """The transport of one connection, its writes of a loop turn joined (see above)."""

    __slots__ = ("_due", "_held", "_loop", "transport")

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held: bytes | None = None  # the turn's first write, not sent yet
        self._due = False  # a flush is scheduled

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:  # the head, then the body: one system call
            self._held = None
            self.transport.write(held + data)
        elif len(data) > HOLD_MAX:
            self.transport.write(data)
        else:
            self._held = data
            if not self._due:
                self._due = True
                self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._due = False
        held, self._held = self._held, None
        if held is not None and not self.transport.is_closing():
            self.transport.write(held)

    def close(self) -> None:
        """Close once the held bytes are written (as the transport's own buffer)."""
        held, self._held = self._held, None
        if held is not None and not self.transport.is_closing():
            self.transport.write(held)
        self.transport.close()

    def abort(self) -> None:
        self._held = None
        self.transport.abort()

    def is_closing(self) -> bool:
        return bool(self.transport.is_closing())

    def get_write_buffer_size(self) -> int:
        held = self._held
        return int(self.transport.get_write_buffer_size()) + (len(held) if held else 0)

    def __getattr__(self, name: str) -> Any:  # pause_reading, get_extra_info, ...
        return getattr(self.transport, name)
