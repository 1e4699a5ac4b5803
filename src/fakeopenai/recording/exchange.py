"""One recorded exchange: the request as sent and the answer as it came, plus the SSE
frame splitter that turns a stream's bytes into its ``data:`` payloads as they arrive.

The proxy and the cassette importer both produce ``Exchange`` values; ``convert`` turns
them into rules. Bodies here are already redacted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# endpoint key (as ``guards.route`` names it) → the scenario's ``match.endpoint``
ENDPOINT_NAMES = {
    "chat/completions": "chat",
    "responses": "responses",
    "completions": "completions",
    "embeddings": "embeddings",
}


@dataclass
class Frame:
    """One SSE event: its ``event:`` name (or None), its data, when it arrived (ms after
    the request was sent upstream)."""

    data: str
    at_ms: float
    event: str | None = None

    def json(self) -> Any:
        """The parsed data, or None for ``[DONE]`` and anything not JSON."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None


@dataclass
class Exchange:
    """A request and the upstream's answer."""

    method: str
    endpoint: str  # "chat/completions", "responses", "completions", "embeddings", "models"
    request: dict[str, Any] | None  # the JSON body as sent (redacted)
    status: int
    headers: dict[str, str]  # the response headers, names in lower case
    body: Any = None  # the parsed JSON answer when not streamed
    frames: list[Frame] = field(default_factory=list)  # the stream, when streamed
    deployment: str | None = None  # Azure: the deployment in the path
    model_id: str | None = None  # GET models/{id}
    first_ms: float | None = None  # when the first byte of the body arrived
    total_ms: float | None = None
    complete: bool = True  # False: the stream ended without its last frame

    @property
    def streamed(self) -> bool:
        return self.headers.get("content-type", "").startswith("text/event-stream")

    @property
    def model(self) -> str | None:
        """The model the request named (an Azure deployment stands for it)."""
        named = (self.request or {}).get("model")
        return named if isinstance(named, str) else self.deployment


class SseSplitter:
    """Bytes in, complete SSE events out (``feed`` as chunks arrive, ``close`` at the end)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes, at_ms: float) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        while True:
            cut = _event_end(self._buffer)
            if cut is None:
                return frames
            raw, self._buffer = self._buffer[: cut[0]], self._buffer[cut[1] :]
            frame = parse_event(raw.decode("utf-8", "replace"), at_ms)
            if frame is not None:
                frames.append(frame)

    def close(self, at_ms: float) -> list[Frame]:
        """The last event when the stream ended without its blank line."""
        raw, self._buffer = self._buffer, b""
        frame = parse_event(raw.decode("utf-8", "replace"), at_ms) if raw.strip() else None
        return [frame] if frame is not None else []


def _event_end(buffer: bytes) -> tuple[int, int] | None:
    """(end of the event, start of the next) at the first blank line, if any."""
    best: tuple[int, int] | None = None
    for sep in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        at = buffer.find(sep)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, at + len(sep))
    return best


def parse_event(text: str, at_ms: float = 0.0) -> Frame | None:
    """One event's lines → a ``Frame`` (None for comments and empty events)."""
    data: list[str] = []
    event = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        name, colon, value = line.partition(":")
        if not colon or not name:
            continue  # a comment (": keep-alive") or a stray line
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if not data:
        return None
    return Frame("\n".join(data), at_ms, event)


def split_arrived(arrived: list[tuple[float, bytes]], started: float, end_ms: float) -> list[Frame]:
    """A stream's chunks as they came ((``perf_counter()``, bytes)) → its frames, each
    timed in ms after ``started``; the stream ended at ``end_ms``."""
    splitter = SseSplitter()
    frames: list[Frame] = []
    for at, chunk in arrived:
        frames.extend(splitter.feed(chunk, (at - started) * 1000))
    return frames + splitter.close(end_ms)


def split_body(body: str) -> list[Frame]:
    """A whole recorded SSE body (a cassette's) → its frames, untimed."""
    splitter = SseSplitter()
    return splitter.feed(body.encode(), 0.0) + splitter.close(0.0)
