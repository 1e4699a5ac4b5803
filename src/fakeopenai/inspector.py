"""The inspector page (``GET /_fakeopenai/``) and its live feed (``GET /_fakeopenai/events``).

The page is one dependency-free HTML file shipped in the package. The feed is
server-sent events: a ``snapshot`` of recent rows on connect, then an ``entry`` event
whenever a row is new or changed, ``clear`` when the journal is emptied and
``scenarios`` when the loaded rules or their hit counts change. It polls the journal
on a short tick instead of blocking a thread on it, so a closed tab or a stopping
server ends the feed at the next tick; a server being shut down says so with
``signal_shutdown`` (the feed would otherwise hold the connection open until the
graceful-shutdown timeout).
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import AsyncIterator
from functools import cache
from importlib.resources import files
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from fakeopenai.journal import Entry
from fakeopenai.settings import Core
from fakeopenai.uploads import scenarios_summary

TICK = 0.25  # seconds between journal checks: the page's worst-case lag
ROWS_PER_TICK = 20  # new rows a feed is sent per tick, the newest
HISTORY = 64  # ticks kept for a feed that slept through some (joins make extra ticks)
HEARTBEAT = 15.0  # an SSE comment keeps proxies from closing an idle feed
SNAPSHOT_ROWS = 500  # rows sent on connect; older entries stay in GET /requests
TEXT_LIMIT = 300  # characters of the last user message shown in a row
STOPPING = "fakeopenai_stopping"  # app.state flag: the server is shutting down

# The page shows untrusted request text: no inline handlers, no remote anything.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
)


@cache
def page() -> str:
    """The inspector's HTML (package data, read once)."""
    return files("fakeopenai").joinpath("inspector.html").read_text(encoding="utf-8")


def signal_shutdown(app: Any) -> None:
    """Tell open inspector feeds to end: call when the server starts shutting down."""
    setattr(app.state, STOPPING, True)


def row(entry: Entry) -> dict[str, Any]:
    """What the request list shows of an entry (the full entry is one click away)."""
    text = entry.last_user
    if text is not None and len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    return {
        "id": entry.id,
        "time": entry.time,
        "method": entry.method,
        "path": entry.path,
        "endpoint": entry.endpoint,
        "model": entry.model,
        "stream": entry.stream,
        "last_user": text,
        "scenario": entry.scenario,
        "rule": entry.rule,
        "rule_line": entry.rule_line,
        "step": entry.step,
        "chaos": entry.chaos,
        "miss": entry.miss,
        "error": (entry.error or {}).get("message"),
        "error_type": (entry.error or {}).get("type"),
        "status": entry.status,
        "chunks": entry.chunks,
        "completed": entry.completed,
        "client_disconnected": entry.client_disconnected,
        "fault": entry.fault,
        "timings": dict(entry.timings),
        "session": entry.headers.get("x-fakeopenai-session"),
        "asked_scenario": entry.headers.get("x-fakeopenai-scenario"),
        "done": "total_ms" in entry.timings,
    }


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n".encode()


class Feed:
    """What one inspector connection has been sent, and what it still has to send."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.first_id: int | None = None  # oldest entry this feed knows of
        self.last_id = 0
        self.pending: dict[int, tuple[Entry, tuple[Any, ...]]] = {}  # unfinished rows
        self.rules_seen: tuple[Any, ...] = (None, -1, -1)

    def start(self) -> bytes:
        """The opening events: reconnect delay, scenarios, recent rows."""
        entries = self.core.journal.snapshot()[-SNAPSHOT_ROWS:]
        self.first_id = entries[0].id if entries else None
        rows = [self._sent(entry) for entry in entries]
        return b"retry: 1000\n\n" + self._scenarios(force=True) + _event("snapshot", rows)

    def _sent(self, entry: Entry) -> dict[str, Any]:
        data = row(entry)
        self.last_id = max(self.last_id, entry.id)
        if data["done"]:
            self.pending.pop(entry.id, None)
        else:
            self.pending[entry.id] = (entry, _signature(data))
        return data

    def _scenarios(self, *, force: bool = False) -> bytes:
        engine = self.core.engine
        seen = (engine.scenarios, len(engine.added), sum(engine.hit_counts().values()))
        if not force and seen[0] is self.rules_seen[0] and seen[1:] == self.rules_seen[1:]:
            return b""
        self.rules_seen = seen
        return _event("scenarios", scenarios_summary(self.core))

    def updates(self) -> bytes:
        """Events for what changed since the last call (b"" when nothing did)."""
        out = [self._scenarios()]
        entries = self.core.journal.snapshot()
        cleared = self.first_id is not None and (not entries or entries[0].id > self.first_id)
        if cleared:
            self.first_id, self.pending = None, {}
            out.append(_event("clear", {}))
        fresh: list[Entry] = []
        for entry in reversed(entries):  # new entries are at the end
            if entry.id <= self.last_id:  # ids only grow, even across a clear
                break
            fresh.append(entry)
        if entries and self.first_id is None:
            self.first_id = entries[0].id
        for entry, signature in list(self.pending.values()):
            data = row(entry)
            if _signature(data) != signature:
                out.append(_event("entry", self._sent(entry)))
        # At most ROWS_PER_TICK new rows a tick (the newest): under heavy traffic every
        # open feed would otherwise be sent every row, and its bytes, times the feeds,
        # cost the server more than the requests themselves. The rest are one GET away.
        for entry in fresh[ROWS_PER_TICK:]:
            self.last_id = max(self.last_id, entry.id)
        out.extend(_event("entry", self._sent(entry)) for entry in reversed(fresh[:ROWS_PER_TICK]))
        return b"".join(out)


class Hub:
    """One journal watcher for every open feed of a server: each tick's events are made
    once and the same bytes go to every feed (200 open inspectors cost one watcher, not
    200 snapshots of the journal four times a second). There is no background task:
    the first feed to wake after a tick makes that tick's events for all."""

    def __init__(self, core: Core) -> None:
        self.watcher = Feed(core)
        self.watcher.start()  # (its opening events go nowhere: each feed sends its own)
        self.generation = 0
        self.recent: collections.deque[bytes] = collections.deque(maxlen=HISTORY)
        self.due = time.monotonic() + TICK

    def tick(self) -> int:
        """Make the events of what changed since the last tick, for every feed waiting.
        A feed that joins calls it first, so its snapshot starts where the ticks do."""
        self.recent.append(self.watcher.updates())
        self.generation += 1
        self.due = time.monotonic() + TICK
        return self.generation

    async def after(self, generation: int) -> tuple[int, bytes]:
        """The events of every tick after ``generation`` (once there is one), and the
        generation they bring a feed to."""
        while self.generation <= generation:
            wait = self.due - time.monotonic()
            if wait <= 0:
                self.tick()
                break
            await anyio.sleep(wait)
        missed = min(self.generation - generation, len(self.recent))
        return self.generation, b"".join(list(self.recent)[-missed:])


def _signature(data: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("status", "chunks", "completed", "client_disconnected", "fault", "rule", "miss")
    return (*(data[k] for k in keys), data["model"], data["done"], len(data["timings"]))


def inspector_routes(core: Core) -> list[Route]:
    """``GET /_fakeopenai/`` (the page) and ``GET /_fakeopenai/events`` (its feed)."""

    async def inspector(request: Request) -> Response:
        headers = {"content-security-policy": PAGE_POLICY, "cache-control": "no-store"}
        return HTMLResponse(page(), headers=headers)

    hubs: list[Hub] = []  # made on the first feed (a Feed reads the journal at once)

    async def events(request: Request) -> Response:
        app = request.app
        if not hubs:
            hubs.append(Hub(core))
        hub = hubs[0]
        joined = hub.tick()  # others get what changed so far; this feed, a snapshot
        opening = Feed(core).start()

        async def stream() -> AsyncIterator[bytes]:
            yield opening
            generation, quiet = joined, 0.0
            while not getattr(app.state, STOPPING, False):
                generation, chunk = await hub.after(generation)
                quiet = 0.0 if chunk else quiet + TICK
                if quiet >= HEARTBEAT:
                    chunk, quiet = b": keep-alive\n\n", 0.0
                if chunk:
                    yield chunk

        headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
        return StreamingResponse(stream(), headers=headers, media_type="text/event-stream")

    return [
        Route("/_fakeopenai/", inspector, methods=["GET"]),
        Route("/_fakeopenai/events", events, methods=["GET"]),
    ]
