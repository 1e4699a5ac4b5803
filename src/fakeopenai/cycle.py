"""uvicorn's httptools request cycle, writing a ``heads.Head`` without its per-header loop.

``Cycle`` is uvicorn's ``RequestResponseCycle`` with one case of ``send`` of its own:
the ``http.response.start`` of an answer whose headers are a ``Head`` (the API's
non-streamed answers). Its head is written as uvicorn's would be, byte for byte (status
line, ``date`` and ``server``, the headers, ``connection: close`` when the connection
ends after it), and the cycle is left in the state uvicorn's ``send`` leaves it in:
started, ``content-length`` known, not chunked. Every other message, and this one when
anything is unusual (an access log to write, a disconnected client, writing paused, a
header uvicorn would refuse), goes to uvicorn's own ``send``.

uvicorn makes the cycle itself (``on_headers_complete``); ``serving.stamping_protocol``
turns it into a ``Cycle`` right after, before its task first runs. Only on httptools:
h11 checks headers in its own state machine, which is not ours to skip.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle

from fakeopenai.heads import Head, encoded

__all__ = ["Cycle", "RequestResponseCycle"]

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
