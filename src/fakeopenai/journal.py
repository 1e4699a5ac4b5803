"""The request journal: one entry per API request, shared by the server and the test.

The server thread appends and updates entries; the test thread (or the control API)
reads snapshots. Appends, clears and snapshots take one lock; an entry's counters are
plain attribute writes by the single server thread, so readers may see a stream's
``chunks`` grow while it is under way.
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from time import perf_counter
from typing import Any

from fakeopenai.budgets.bodies import TOO_DEEP, cut_body, cut_text

ENTRY_OVERHEAD = 2048  # bytes an entry costs beyond its body (headers, timings, reply)


@dataclass(eq=False, slots=True)
class Entry:
    """One recorded request and what was answered (SPEC §3 journal fields)."""

    id: int
    time: float
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    request_id: str
    endpoint: str | None = None
    model: str | None = None
    stream: bool = False
    scenario: str | None = None
    rule: str | None = None
    rule_line: int | None = None
    step: int | None = None
    chaos: bool = False
    miss: str | None = None
    status: int = 0
    chunks: int = 0
    completed: bool = False
    client_disconnected: bool = False
    fault: str | None = None
    reply: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    # What in the answer the real API could not have sent for this request (plausible)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=perf_counter, repr=False)
    # The last user text as rules saw it (set from the request view, so it is right for
    # every endpoint: a completions prompt, an embeddings input, a Responses string).
    seen_last_user: str | None = field(default=None, repr=False)
    # What the entry costs the journal's byte bound (its body's size, as kept).
    size: int = field(default=ENTRY_OVERHEAD, repr=False)

    def mark(self, name: str) -> None:
        """Record a timing (milliseconds since the request arrived) once."""
        if name not in self.timings:
            self.timings[name] = round((perf_counter() - self.started) * 1000, 3)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the public fields (a copy)."""
        try:
            data = asdict(self)
        except RecursionError:  # a body nested too deep to copy (JSON allows ~1,000 levels)
            data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.pop("started", None)
        data.pop("size", None)
        data["last_user"] = data.pop("seen_last_user", None) or self.last_user
        return data

    # What tests most often want from an entry (see ``fakeopenai.asserts`` for the rest).
    @property
    def json(self) -> Any:
        """The parsed request body (None when it was not JSON)."""
        return self.body

    @property
    def messages(self) -> list[Any]:
        """The request's ``messages`` (chat) or ``input`` items (Responses), else [].

        A Responses ``input`` string is one user message.
        """
        body = self.body if isinstance(self.body, dict) else {}
        value = body.get("messages", body.get("input", []))
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return list(value) if isinstance(value, list) else []

    @property
    def last_user(self) -> str | None:
        """The text of the last user message (text parts joined), or None."""
        if self.seen_last_user is not None:
            return self.seen_last_user
        from fakeopenai.view import content_text

        for message in reversed(self.messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return content_text(message.get("content"))
        return None

    def header(self, name: str) -> str | None:
        """A request header, case-insensitively (None when absent)."""
        return self.headers.get(name.lower())

    def line(self) -> str:
        """One line for journal listings, in the vocabulary of ``where()`` conditions."""
        parts = [f"#{self.id} {self.method} {self.path}", f"status={self.status}"]
        if self.model is not None:
            parts.append(f"model={self.model!r}")
        if self.stream:
            parts.append("stream=True")
        if self.rule is not None:
            parts.append(f"scenario={self.scenario!r} rule={self.rule!r}")
        elif self.miss is not None:
            parts.append("rule=None (no match)")
        last_user = self.last_user
        if last_user is not None:
            shown = last_user if len(last_user) <= 60 else last_user[:57] + "..."
            parts.append(f"last_user={shown!r}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"<Entry {self.line()}>"


DEFAULT_LIMIT = 10_000
DEFAULT_MAX_BYTES = 128 * 1024 * 1024  # bodies kept in all (``--journal-max-bytes``)
DEFAULT_BODY_KEEP = 256 * 1024  # characters of one body kept (``--journal-body-max``)


class Journal:
    """Thread-safe list of entries, oldest first, keeping the newest ``limit`` and at
    most ``max_bytes`` of request bodies.

    Tests reset it for every test; a long-running ``fakeopenai serve`` would otherwise
    grow without end, so the oldest entries go once ``limit`` entries or ``max_bytes``
    are reached (``None``: no bound). A body over ``body_keep`` characters is kept cut
    (``budgets.bodies``)."""

    def __init__(
        self,
        limit: int | None = DEFAULT_LIMIT,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        body_keep: int = DEFAULT_BODY_KEEP,
    ) -> None:
        self._lock = threading.Lock()
        self._cuts = threading.local()  # this thread's last body's cut strings (keep_text)
        self._entries: collections.deque[Entry] = collections.deque()
        self._ids = itertools.count(1)
        self.limit, self.max_bytes, self.body_keep = limit, max_bytes, body_keep
        self._bytes = 0

    def new(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        request_id: str,
        started: float | None = None,
    ) -> Entry:
        """Create and append an entry for a request that just arrived (``started``: its
        ``perf_counter()`` arrival, if earlier than now)."""
        with self._lock:
            entry = Entry(next(self._ids), time.time(), method, path, headers, None, request_id)
            if started is not None:  # the wall clock moved back to the arrival too
                entry.time -= perf_counter() - started
                entry.started = started
            self._entries.append(entry)
            self._bytes += entry.size
            self._evict()
            return entry

    def keep_body(self, entry: Entry, body: Any, size: int) -> None:
        """Store a request's parsed ``body`` (``size`` bytes as received) in ``entry``:
        cut past ``body_keep`` characters, and counted against ``max_bytes``."""
        cuts: dict[int, str] = {}
        if size > self.body_keep:
            body = cut_body(body, self.body_keep, cuts)
            size = min(size, self.body_keep + ENTRY_OVERHEAD)
        self._cuts.last = cuts
        entry.body = body
        with self._lock:
            if entry.size:  # (0: evicted already, it costs nothing)
                self._bytes += size
                entry.size += size
                self._evict()

    def keep_text(self, text: str | None) -> str | None:
        """A text the entry keeps (the last user message), cut like a body. Called after
        ``keep_body`` for the same request, in the same thread: a text that body's cut
        already made is shared, not made (and held) twice."""
        if text is None:
            return None
        cuts: dict[int, str] = getattr(self._cuts, "last", None) or {}
        self._cuts.last = None
        return cuts.get(id(text)) or cut_text(text, self.body_keep)

    def _evict(self) -> None:
        """Drop the oldest entries past the bounds (the newest always stays)."""
        entries = self._entries
        while len(entries) > 1 and (
            (self.limit is not None and len(entries) > self.limit)
            or (self.max_bytes is not None and self._bytes > self.max_bytes)
        ):
            gone = entries.popleft()
            self._bytes -= gone.size
            gone.size = 0

    def snapshot(self) -> list[Entry]:
        """The entries, oldest first (a copy of the list; entries are shared)."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Drop every entry (ids keep counting, so they stay unique per server)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        """What the entries kept cost, in bytes (estimated: bodies as received)."""
        return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.snapshot())


def dumps(entries: list[Entry]) -> bytes:
    """The entries as a JSON list (what ``GET /_fakeopenai/requests`` returns)."""
    data = [e.to_dict() for e in entries]
    try:
        return json.dumps(data, default=str).encode()
    except RecursionError:  # a body near JSON's nesting limit: shown as a note instead
        return json.dumps([_encodable(item) for item in data], default=str).encode()


def dumps_entry(entry: Entry) -> bytes:
    """One entry as JSON (``GET /_fakeopenai/requests/{id}``)."""
    return dumps([entry])[1:-1]  # the list's one item


def _encodable(item: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(item["body"], default=str)
    except RecursionError:
        return {**item, "body": TOO_DEEP}
    return item
