"""The client side of the proxy: noticing a client leave, knowing a stream has ended,
reading a body as JSON, and the proxy's own error envelope (ASGI messages only)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fakeopenai.recording.exchange import Exchange
from fakeopenai.recording.redact import Redactor

TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")


def ended(exchange: Exchange) -> bool:
    """Whether the stream's last frame went through (``[DONE]``, a final Responses event)."""
    for frame in reversed(exchange.frames[-3:]):
        if frame.data.strip() == "[DONE]" or frame.event in TERMINAL_EVENTS:
            return True
        if any(f'"type":"{e}"' in frame.data.replace(" ", "") for e in TERMINAL_EVENTS):
            return True
    return False


class ClientWatch:
    """Notices the client leaving. While ``armed`` (the task waits on the upstream), it
    also cancels the task: a client that gave up stops the upstream request at once,
    not when the upstream next sends something (a model can think for minutes, and the
    real API bills for what it generates)."""

    def __init__(self, receive: Any) -> None:
        self.left = asyncio.Event()
        self.armed = True
        self._task = asyncio.current_task()
        self._watcher = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.left.set()
        if self.armed and self._task is not None:
            self._task.cancel()

    def stop(self) -> None:
        self._watcher.cancel()


def json_of(raw: bytes, redactor: Redactor) -> Any:
    if not raw:
        return None
    try:
        return redactor.body(json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        return None


async def send_error(send: Any, status: int, message: str, kind: str | None) -> None:
    """An OpenAI error envelope; the proxy's own errors tell clients not to retry."""
    payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"x-should-retry", b"false"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
