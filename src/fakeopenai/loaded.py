"""What loading produces: validated scenarios and rules with their defaults merged.

Kept apart from ``loader`` so modules the loader calls (its ``CHECKS``, such as
``generate.checks``) can name these types without importing the loader back.
``fakeopenai.loader`` re-exports both names.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeopenai.scenario import Chaos, Match, Reply

__all__ = ["LoadedRule", "LoadedScenario"]


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule whose replies already carry the scenario's defaults."""

    name: str  # the rule's name, or "rules[3]" when unnamed
    index: int  # position in its scenario's rules
    line: int | None  # 1-based line of the rule in its file (None without positions)
    match: Match
    replies: tuple[Reply, ...]  # one for `reply`, all of `replies`
    sequence: bool  # the rule used `replies`
    then: str  # "repeat" (default), "cycle" or "error"
    chaos: Chaos | None


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario, ready for the engine."""

    name: str  # `name`, else the file's stem, else the source
    source: str  # the file path as given, or "<string>", "<mapping>", ...
    description: str | None
    seed: int | None
    chaos: Chaos | None
    models: tuple[str, ...] | None
    rules: tuple[LoadedRule, ...]
