"""One readable console line per API request, and the console set-up of ``fakeopenai serve``.

``RequestLog`` is an ASGI middleware around the whole app: it sees when a response has
really finished (a stream included) and what status left, and reads the rest from the
journal entry the API handler leaves in the scope (``ENTRY_KEY``). Lines go to the
``fakeopenai.requests`` logger at INFO, so they show with ``--log-level info`` and stay
quiet at ``warning`` (and in-process, unless a test asks for them with ``caplog``).
``fakeopenai serve`` writes them to its console in batches (``LineBatch``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import time
from typing import IO, Any

from fakeopenai.journal import Entry

ENTRY_KEY = "fakeopenai.entry"  # scope key: the journal entry of an API request
# scope key: perf_counter() when the server read the request (``serving.stamping_protocol``)
ARRIVED_KEY = "fakeopenai.arrived"
MISS_LIMIT = 240  # characters of a no-match explanation kept on the line
MISS_ADVICE = " Fix the request or add a rule that matches it."

log = logging.getLogger("fakeopenai.requests")

Scope = dict[str, Any]


def describe(method: str, path: str, status: int, millis: float, entry: Entry | None) -> str:
    """The line for one request, e.g. ``POST /v1/chat/completions gpt-4o -> hello/greeting
    200 stream 9 chunks 412 ms``."""
    parts = [method, path]
    if entry is not None:
        if entry.model:
            parts.append(entry.model)
        if entry.rule is not None:
            parts.append(f"-> {entry.scenario}/{entry.rule}")
            if entry.step is not None:  # counted from 0, as the journal's `step`
                parts.append(f"replies[{entry.step}]")
        elif entry.miss is not None:
            # The advice that ends every miss is for the test report, not the console.
            reason = entry.miss.removeprefix("fakeopenai: ").removesuffix(MISS_ADVICE)
            if len(reason) > MISS_LIMIT:
                reason = reason[: MISS_LIMIT - 1] + "…"
            parts.append(f"-> MISS ({reason})")
        elif entry.endpoint is not None and entry.error is None:
            parts.append("-> generated")
        if entry.chaos:
            parts.append("chaos")
    parts.append(str(status or "-"))
    if entry is not None and entry.stream and status == 200:
        parts.append(f"stream {entry.chunks} chunk{'s' * (entry.chunks != 1)}")
        if entry.fault:
            parts.append(f"fault {entry.fault}")
    elif entry is not None and entry.error is not None and entry.miss is None:
        parts.append(str(entry.error.get("type")))
    if entry is not None and entry.client_disconnected:
        parts.append("(client disconnected)")
    parts.append(f"{millis:.0f} ms")
    return " ".join(parts)


class RequestLog:
    """ASGI middleware: log each API request once its response is over."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            entry: Entry | None = scope.get(ENTRY_KEY)
            if entry is not None:
                entry.mark("total_ms")  # a no-op unless the response ended unusually
                if log.isEnabledFor(logging.INFO):
                    millis = (time.perf_counter() - started) * 1000
                    # The status the journal has is the one sent (0: none was): no
                    # wrapper around every ``send`` to watch for it.
                    status = entry.status
                    line = describe(scope["method"], scope["path"], status, millis, entry)
                    if _batch is not None:
                        _batch.add(line)
                    else:
                        log.info(line)


class LineBatch:
    """The request lines of ``fakeopenai serve``'s console, written in batches.

    Through ``logging``, a line cost ~40 µs (a record, a lock, a timestamp, a write and
    a flush per line): as much as answering the request. Here a line is a timestamp
    (formatted once a second) and an append; the lines go out together within
    ``DELAY`` seconds, and before any other log line, so the order holds.
    """

    DELAY = 0.05

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lines: list[str] = []
        self._lock = threading.Lock()  # (other threads' log lines flush the batch too)
        self._second = -1
        self._stamp = ""
        self._due = False

    def add(self, line: str) -> None:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime("%H:%M:%S ", time.localtime(now))
        kept = self._stamp + printable(line) + "\n"
        with self._lock:
            self._lines.append(kept)
        if not self._due:
            try:
                asyncio.get_running_loop().call_later(self.DELAY, self.flush)
            except RuntimeError:  # no loop to come back: now, then
                self.flush()
                return
            self._due = True

    def flush(self) -> None:
        """Write the lines waiting, now."""
        self._due = False
        with self._lock:
            lines, self._lines = self._lines, []
        if lines:
            self.stream.write("".join(lines))
            self.stream.flush()


_batch: LineBatch | None = None  # set by ``configure_console`` (``fakeopenai serve``)


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr, after the request lines waiting in the batch."""

    def emit(self, record: logging.LogRecord) -> None:
        if _batch is not None:
            _batch.flush()
        super().emit(record)


# Control characters (C0, DEL, C1) and Unicode line/paragraph separators and bidi
# controls: a request's `model` holding "\n12:00:00 POST ... FORGED" would otherwise
# forge a console line, and ANSI/OSC escapes would retitle or clear the terminal.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\x1b``, ``\n``)."""
    if _UNSAFE.search(text) is None:  # (the usual line: a search is cheaper than a sub)
        return text
    return _UNSAFE.sub(lambda found: repr(found[0])[1:-1], text)


class _Console(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        text = printable(record.getMessage())
        if record.levelno >= logging.WARNING and not text.startswith("fakeopenai"):
            text = f"{record.levelname.lower()}: {text}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return f"{stamp} {text}"


def configure_console(level: str) -> None:
    """Send fakeopenai's log lines to stderr at ``level`` (``fakeopenai serve``); the
    request lines in batches."""
    global _batch
    flush_console()
    _batch = LineBatch(sys.stderr) if logging.getLevelName(level.upper()) <= logging.INFO else None
    handler = _ConsoleHandler(sys.stderr)
    handler.setFormatter(_Console())
    logger = logging.getLogger("fakeopenai")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def flush_console() -> None:
    """Write the request lines still waiting (a server about to exit)."""
    if _batch is not None:
        _batch.flush()
