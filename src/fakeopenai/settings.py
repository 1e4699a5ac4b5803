"""Server settings and the ``Core`` that one server (or one ``FakeOpenAI``) owns."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fakeopenai.engine import Engine
from fakeopenai.journal import Journal
from fakeopenai.loader import LoadedScenario, load_paths
from fakeopenai.scenario import Latency

DEFAULT_MAX_BODY = 32 * 1024 * 1024

# The embedded default under `fakeopenai serve`: a human-speed stream.
HUMAN_PACE = Latency(ttft_ms=350, tokens_per_second=40, jitter_ms=8)


@dataclass
class Settings:
    """What a server is told at start-up (CLI flags, ``FakeOpenAI`` arguments)."""

    seed: int | None = None
    api_key: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    default_latency: Latency | None = None
    cors_origins: Sequence[str] = ()
    control_token: str | None = None
    emit_schema: bool = False
    validate_conversation: bool = True  # 400 for broken tool-call histories, as the API
    journal_limit: int | None = 10_000  # newest entries kept (None: all)
    paths: Sequence[str] = field(default_factory=tuple)


@dataclass
class Core:
    """The state one server answers from: settings, rule engine, journal."""

    settings: Settings
    engine: Engine
    journal: Journal

    @classmethod
    def build(
        cls,
        paths: Sequence[str | os.PathLike[str]] = (),
        *,
        scenarios: Sequence[LoadedScenario] | None = None,
        settings: Settings | None = None,
        **options: Any,
    ) -> Core:
        """Load ``paths`` (raising ``ScenarioError`` with every problem) and build a core."""
        settings = settings or Settings(**options)
        if paths:
            settings.paths = tuple(str(p) for p in paths)
        loaded = list(scenarios or ()) + (load_paths(list(paths)) if paths else [])
        journal = Journal(settings.journal_limit)
        return cls(settings, Engine(loaded, seed=settings.seed), journal)
