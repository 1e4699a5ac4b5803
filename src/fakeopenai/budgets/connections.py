"""Slow and broken clients: what one connection may cost the server.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``), but one
that sends half a request head and goes silent is kept forever, on either HTTP stack
(h11 and httptools), and 1,100 of them used every file descriptor: accepts then failed
in a loop, with a traceback each time. ``guarded`` wraps uvicorn's protocol class:

- a request head must arrive whole within ``head_timeout`` seconds of the connection
  opening or of the previous response ending (else 408, or a silent close when nothing
  came at all); a body is the app's to time (``guards.read_body``);
- past ``max_connections`` open connections, a new one gets a 503 and is closed at once:
  file descriptors stay free, so the accept loop never fails;
- a malformed request gets the API's JSON envelope (400) when a response can still be
  sent, and is simply closed when one is already under way (h11 otherwise raised
  ``LocalProtocolError`` trying to send a second response: a traceback per request).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

HEAD_TIMEOUT = 10.0  # seconds for a request head to arrive whole
BODY_TIMEOUT = 30.0  # seconds for a request body, from its head (``guards.read_body``)
MAX_CONNECTIONS = 1000  # open connections (kept under the file-descriptor limit)


def _response(status: int, reason: str, message: str, type_: str) -> bytes:
    body = json.dumps(
        {"error": {"message": message, "type": type_, "param": None, "code": None}}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode()
    return head + body


TIMED_OUT = _response(
    408,
    "Request Timeout",
    "fakeopenai: the request head did not arrive in time; the connection is closed.",
    "invalid_request_error",
)
BUSY = _response(
    503,
    "Service Unavailable",
    "fakeopenai: too many open connections; try again when some have closed.",
    "fakeopenai_busy",
)
MALFORMED = _response(400, "Bad Request", "Invalid HTTP request received.", "invalid_request_error")


def guarded(base: type[Any], head_timeout: float, max_connections: int) -> type[Any]:
    """A subclass of uvicorn's protocol class ``base`` with the bounds above."""

    class Guarded(base):  # type: ignore[misc]
        _head_timer: asyncio.TimerHandle | None = None
        _partial = False

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                transport.write(BUSY)
                transport.close()
                return
            self._arm(partial=False)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            cycle = self.cycle
            super().data_received(data)
            if self.cycle is not cycle:  # a request head arrived whole
                self._disarm()
            elif (cycle is None or cycle.response_complete) and not self.transport.is_closing():
                self._arm(partial=True)  # part of a head: the rest must follow in time

        def on_response_complete(self) -> None:
            super().on_response_complete()  # (uvicorn's keep-alive timer takes over)
            self._disarm()

        def send_400_response(self, msg: str) -> None:
            cycle = self.cycle
            # A response can still be sent when none was started for the request, or when
            # the bad bytes begin a new request (not the rest of an answered one's body).
            if (
                cycle is None
                or not cycle.response_started
                or (cycle.response_complete and not cycle.more_body)
            ):
                self.transport.write(MALFORMED)
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True  # its handler's sends are dropped from now on
                cycle.message_event.set()
            self.transport.close()  # mid-response: no second response, just close

        def _arm(self, *, partial: bool) -> None:
            self._partial = self._partial or partial
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(head_timeout, self._timed_out)

        def _disarm(self) -> None:
            self._partial = False
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _timed_out(self) -> None:
            self._head_timer = None
            cycle = self.cycle
            if self.transport.is_closing() or (cycle is not None and not cycle.response_complete):
                return
            if self._partial:
                self.transport.write(TIMED_OUT)
            self.transport.close()

    return Guarded
