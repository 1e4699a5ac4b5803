"""uvicorn's httptools request cycle, writing a ``heads.Head`` without its per-header loop.

``Cycle`` is uvicorn's ``RequestResponseCycle`` with one case of ``send`` of its own:
the ``http.response.start`` of an answer whose headers are a ``Head`` (the API's
non-streamed answers). Its head is written as uvicorn's would be, byte for byte (status
line, ``date`` and ``server``, the headers, ``connection: close`` when the connection
ends after it), and the cycle is left in the state uvicorn's ``send`` leaves it in:
started, ``content-length`` known, not chunked. Every other message, and this one when
anything is unusual (an access log to write, a disconnected client, writing paused, a
header uvicorn would refuse), goes to uvicorn's own ``send``.

uvicorn makes the cycle itself, in ``on_headers_complete``, from the name
``RequestResponseCycle`` of its module. ``making_cycles`` gives ``serving``'s protocol
that same function (the same code object: no copy of uvicorn's source) reading its
module's names with ``RequestResponseCycle`` standing for ``Cycle``, so a ``Cycle`` is
made from the start. Turning uvicorn's cycle into one afterwards (``__class__``) worked
too, but cost ~18k instructions a request: the object's attributes had been laid out
for the other class, and every attribute access of the request took CPython's slow
path. Only on httptools: h11 checks headers in its own state machine, which is not ours
to skip.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle

from fakeopenai.heads import Head, encoded

__all__ = ["Cycle", "making_cycles"]

# What ``send`` reads and sets of uvicorn's cycle. A uvicorn whose cycle no longer sets
# them all in ``__init__`` fails this import, and ``serving`` then keeps uvicorn's own
# path: an upgrade costs the shortcut, never a wrong byte or a server that won't start.
_STATE = (
    "response_started", "disconnected", "flow", "access_log", "default_headers",
    "keep_alive", "waiting_for_100_continue", "expected_content_length",
    "chunked_encoding", "transport",
)  # fmt: skip
if not set(_STATE) <= set(RequestResponseCycle.__init__.__code__.co_names):
    raise ImportError("fakeopenai: uvicorn's request cycle is not the one cycle.py knows")


class Cycle(RequestResponseCycle):
    """uvicorn's request cycle; a ``Head`` goes out without the per-header loop."""

    async def send(self, message: Any) -> None:
        headers = message.get("headers")
        if (
            type(headers) is not Head
            or self.response_started
            or self.disconnected
            or self.flow.write_paused
            or self.access_log
            or message["type"] != "http.response.start"
        ):
            await super().send(message)
            return
        lines = encoded(self.default_headers, headers)
        if lines is None:  # a header uvicorn refuses: its own error
            await super().send(message)
            return
        self.response_started = True
        self.waiting_for_100_continue = False
        self.expected_content_length = headers.length
        self.chunked_encoding = False
        close = b"" if self.keep_alive else b"connection: close\r\n"
        self.transport.write(b"%s%s%s\r\n" % (STATUS_LINE[message["status"]], lines, close))


def making_cycles(on_headers_complete: Callable[..., None]) -> Callable[..., None]:
    """uvicorn's ``on_headers_complete``, making a ``Cycle`` where it makes its own cycle:
    the same code, run with its module's names, ``RequestResponseCycle`` read as
    ``Cycle``. ``ImportError`` when the function is not one that makes its cycle by that
    name (a uvicorn laid out differently: ``serving`` keeps uvicorn's own path)."""
    code = on_headers_complete.__code__
    if "RequestResponseCycle" not in code.co_names or code.co_freevars:
        raise ImportError("fakeopenai: uvicorn's on_headers_complete is not the one cycle.py knows")
    names = {**on_headers_complete.__globals__, "RequestResponseCycle": Cycle}
    made = types.FunctionType(code, names, code.co_name, on_headers_complete.__defaults__)
    made.__qualname__ = on_headers_complete.__qualname__
    return made
