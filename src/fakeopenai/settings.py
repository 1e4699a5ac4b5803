"""Server settings and the ``Core`` that one server (or one ``FakeOpenAI``) owns."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from fakeopenai.budgets.connections import BODY_TIMEOUT
from fakeopenai.engine import Engine
from fakeopenai.errors import FakeOpenAIError
from fakeopenai.journal import DEFAULT_BODY_KEEP, DEFAULT_MAX_BYTES, Journal
from fakeopenai.loader import LoadedScenario, load_paths
from fakeopenai.ratelimits import Budget
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
    journal_max_bytes: int | None = DEFAULT_MAX_BYTES  # request bodies kept in all
    journal_body_max: int = DEFAULT_BODY_KEEP  # characters of one body kept
    body_timeout: float = BODY_TIMEOUT  # seconds for a request body to arrive whole

    def __post_init__(self) -> None:
        """Check what code (not the CLI, which checks its flags) may pass wrongly: a
        bad option would otherwise turn every request into a 500."""
        if isinstance(self.default_latency, Mapping):
            try:
                self.default_latency = Latency.model_validate(self.default_latency)
            except ValueError as exc:
                raise FakeOpenAIError(f"fakeopenai: default_latency: {exc}") from None
        if self.default_latency is not None and not isinstance(self.default_latency, Latency):
            raise FakeOpenAIError(
                "fakeopenai: default_latency must be a mapping like {ttft_ms: 300, chunk_ms: 20}"
            )
        if isinstance(self.max_body, bool) or not isinstance(self.max_body, int):
            raise FakeOpenAIError(f"fakeopenai: max_body must be an integer, got {self.max_body!r}")
        if self.max_body < 1:
            raise FakeOpenAIError(f"fakeopenai: max_body must be at least 1, got {self.max_body}")
        for name in ("journal_max_bytes", "journal_body_max"):
            value = getattr(self, name)
            if (value is not None or name == "journal_body_max") and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise FakeOpenAIError(
                    f"fakeopenai: {name} must be a positive integer, got {value!r}"
                )
        if self.journal_limit is not None and (
            not isinstance(self.journal_limit, int) or self.journal_limit < 1
        ):
            raise FakeOpenAIError(
                f"fakeopenai: journal_limit must be a positive integer or None, "
                f"got {self.journal_limit!r}"
            )

    @classmethod
    def of(cls, **options: Any) -> Settings:
        """Settings from keyword options, naming an unknown one with a "did you mean"."""
        known = [f.name for f in fields(cls)]
        for name in options:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise FakeOpenAIError(
                    f"fakeopenai: unknown option {name!r}{hint}; options: {', '.join(known)}"
                )
        return cls(**options)


@dataclass
class Core:
    """The state one server answers from: settings, rule engine, journal, and the
    rate-limit budget its ``x-ratelimit-*`` headers show."""

    settings: Settings
    engine: Engine
    journal: Journal
    budget: Budget = field(default_factory=Budget)

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
        settings = settings or Settings.of(**options)
        loaded = list(scenarios or ()) + (load_paths(list(paths)) if paths else [])
        journal = Journal(
            settings.journal_limit, settings.journal_max_bytes, settings.journal_body_max
        )
        return cls(settings, Engine(loaded, seed=settings.seed), journal)
