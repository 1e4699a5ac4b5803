"""Slow and broken clients: what one connection may cost the server.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``), but one
that sends half a request head and goes silent is kept forever, on either HTTP stack
(h11 and httptools), and 1,100 of them used every file descriptor: accepts then failed
in a loop, with a traceback each time. ``guarded`` wraps uvicorn's protocol class:

- a request head must arrive whole within ``head_timeout`` seconds of the connection
  opening or of the previous response ending (else 408, or a silent close when nothing
  came at all);
- a body must arrive whole within ``body_timeout`` seconds of its head (else 408 and the
  connection closed; the request's scope gets ``BODY_TIMED_OUT`` so the app journals it
  as such). Timed here, a request whose body came with its head -- nearly all of them --
  costs no timer at all; timed in the app, every request paid for a cancel scope
  (``guards.read_body`` still times the body under a server that is not ours);
- past ``max_connections`` open connections, a new one gets a 503 and is closed at once:
  file descriptors stay free, so the accept loop never fails;
- a malformed request gets the API's JSON envelope (400) when a response can still be
  sent, and is simply closed when one is already under way (h11 otherwise raised
  ``LocalProtocolError`` trying to send a second response: a traceback per request).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from time import perf_counter
from typing import Any

HEAD_TIMEOUT = 10.0  # seconds for a request head to arrive whole
BODY_TIMEOUT = 30.0  # seconds for a request body, from its head
BODY_TIMED_OUT = "fakeopenai.body_timed_out"  # scope key: the body came too late (seconds)
BODY_TIMED = "fakeopenai.body_timed"  # scope key: this server times the body (True)
MAX_CONNECTIONS = 1000  # open connections (kept under the file-descriptor limit)


def _response(status: int, reason: str, message: str, type_: str) -> bytes:
    error = {"message": message, "type": type_, "param": None, "code": None}
    return _envelope(status, reason, error)


def _envelope(status: int, reason: str, error: dict[str, Any]) -> bytes:
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n"
        f"x-request-id: {_ID_SLOT.decode()}\r\n\r\n"
    ).encode()
    return head + body


_ID_SLOT = b"req_" + b"0" * 32  # where each answer's own x-request-id goes


def stamped(canned: bytes) -> bytes:
    """A canned answer with an ``x-request-id`` of its own: the API sends one on every
    response, errors included (WIRE.md §2.5), and clients log it."""
    return canned.replace(_ID_SLOT, b"req_" + secrets.token_hex(16).encode(), 1)


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


def late_body(timeout: float) -> dict[str, Any]:
    """The error sent when a request body does not arrive within ``timeout`` seconds."""
    message = (
        f"fakeopenai: the request body did not arrive within {timeout:g} s; "
        "the connection is closed."
    )
    return {
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": "request_timeout",
    }


def guarded(
    base: type[Any],
    head_timeout: float,
    max_connections: int,
    body_timeout: float = BODY_TIMEOUT,
    arrived_key: str = "",
) -> type[Any]:
    """A subclass of uvicorn's protocol class ``base`` with the bounds above; with an
    ``arrived_key``, each request's scope gets there the ``perf_counter()`` of the read
    that completed its head (``serving.stamping_protocol`` says why; done here, where
    the new request shows, it costs no layer of its own)."""
    too_late = _envelope(408, "Request Timeout", late_body(body_timeout))

    class Guarded(base):  # type: ignore[misc]
        _head_timer: asyncio.TimerHandle | None = None
        _body_timer: asyncio.TimerHandle | None = None
        _partial = False

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                transport.write(stamped(BUSY))
                transport.close()
                return
            self._arm(partial=False)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._disarm_body()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            arrived = perf_counter()
            cycle = self.cycle
            super().data_received(data)
            now = self.cycle
            if now is not cycle:  # a request head arrived whole
                self._disarm()
                scope = now.scope
                scope[BODY_TIMED] = True  # (the app need not time it)
                if arrived_key:
                    scope[arrived_key] = arrived
                if now.more_body:  # and not all of its body: the rest must follow in time
                    self._disarm_body()
                    self._body_timer = self.loop.call_later(body_timeout, self._body_late)
            elif self._body_timer is not None and (now is None or not now.more_body):
                self._disarm_body()  # the body is in
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
                self.transport.write(stamped(MALFORMED))
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

        def _disarm_body(self) -> None:
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None

        def _body_late(self) -> None:
            self._body_timer = None
            cycle = self.cycle
            if cycle is None or not cycle.more_body or self.transport.is_closing():
                return
            cycle.scope[BODY_TIMED_OUT] = body_timeout  # (the handler journals a 408)
            if not cycle.response_started:
                self.transport.write(stamped(too_late))
            self.transport.close()  # the handler's read ends: a disconnect

        def _timed_out(self) -> None:
            self._head_timer = None
            cycle = self.cycle
            if self.transport.is_closing() or (cycle is not None and not cycle.response_complete):
                return
            if self._partial:
                self.transport.write(stamped(TIMED_OUT))
            self.transport.close()

    return Guarded
