"""The pytest record modes' switch in front of the session's server: while a test
records, each API request either replays from the loaded scenarios (``new_episodes``,
when a rule matches) or goes upstream through a ``RecordingProxy`` into the test's file.
Forwarded requests are journaled too, so ``fake_openai.requests`` reads the same
whether a test records or replays."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from fakeopenai.dispatch import route_path
from fakeopenai.fake import FakeOpenAI
from fakeopenai.guards import body_timeout, masked, read_body, route
from fakeopenai.handler import ENDPOINTS
from fakeopenai.matching import matches
from fakeopenai.recording.exchange import Exchange
from fakeopenai.recording.proxy import RecordingProxy
from fakeopenai.recording.recfile import RecordingFile
from fakeopenai.settings import Core
from fakeopenai.wire.ids import request_id

RECORDING = "recording"  # the journal's scenario name for forwarded requests


class Gate:
    """Wraps the app's API handler; inactive (a plain pass-through) between recordings."""

    def __init__(self, api: Any, core: Core) -> None:
        self.api = api
        self.core = core
        self.proxy: RecordingProxy | None = None
        self.only_misses = False
        self._lock = threading.Lock()

    @classmethod
    def install(cls, fake: FakeOpenAI) -> Gate:
        """Put a gate in front of ``fake``'s API handler (the control API stays as is)."""
        gate = cls(fake.app.api, fake.core)  # type: ignore[attr-defined]
        fake.app.api = gate  # type: ignore[attr-defined]
        return gate

    def begin(
        self, path: Path, *, upstream: str, key: str | None, keep: bool, only_misses: bool
    ) -> None:
        """Record into ``path`` from now on (``keep``: add to the rules in it)."""
        recording = RecordingFile(path, description=f"Recorded from {upstream}.", keep=keep)
        with self._lock:
            self.proxy = RecordingProxy(upstream, recording, key=key)
            self.only_misses = only_misses

    def end(self) -> None:
        """Stop recording once the exchanges under way are in the file."""
        with self._lock:
            proxy, self.proxy = self.proxy, None
        if proxy is not None:
            proxy.wait_idle()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        proxy = self.proxy
        routed = route(scope["method"], route_path(scope)) if proxy is not None else None
        if proxy is None or routed is None:
            await self.api(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            settings = self.core.settings
            timeout = body_timeout(scope, settings.body_timeout)
            raw = await read_body(receive, headers, settings.max_body, timeout)
        except Exception:  # too large, or the client left: the API handler answers that
            await self.api(scope, _replay(b"", receive), send)
            return
        if self.only_misses and self._would_match(routed[0], raw, headers):
            await self.api(scope, _replay(raw, receive), send)
            return
        entry = self.core.journal.new(
            scope["method"], scope["path"], masked(headers), request_id(), None
        )
        entry.scenario = RECORDING
        entry.body = _json(raw)

        def journal(exchange: Exchange, name: str | None) -> None:
            entry.status, entry.rule = exchange.status, name
            entry.endpoint, entry.model = exchange.endpoint, exchange.model
            entry.completed = True

        await proxy.forward(scope, receive, send, routed, raw, headers, journal)

    def _would_match(self, key: str, raw: bytes, headers: dict[str, str]) -> bool:
        """Whether a loaded rule matches (without moving any sequence on)."""
        body = _json(raw)
        if key == "models":
            return True  # answered from the loaded model list
        if not isinstance(body, dict):
            return True  # the API handler answers a malformed body itself
        view = ENDPOINTS[key].view(body, headers)
        engine = self.core.engine
        rules = [*engine.added, *(r for s in engine.scenarios for r in s.rules)]
        return any(matches(rule.match, view) for rule in rules)


def _replay(raw: bytes, receive: Any) -> Any:
    """A ``receive`` that gives ``raw`` as the body, then the client's own messages."""
    sent = False

    async def again() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return again


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
