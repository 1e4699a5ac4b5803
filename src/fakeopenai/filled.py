"""A reply with every generated part made concrete, ready for a wire builder.

``generate.fill`` turns a scenario ``Reply`` (which may say "generate text", ``auto``
tool calls, templates) into a ``Filled``; the wire builders in ``fakeopenai.wire``
turn a ``Filled`` into the exact JSON or SSE bytes of one endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FilledToolCall:
    """A concrete tool call: ``arguments`` is the JSON string sent on the wire."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts, as the API reports them."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Filled:
    """The concrete answer: text and/or tool calls, finish reason, usage, model."""

    model: str
    content: str | None
    refusal: str | None = None
    tool_calls: tuple[FilledToolCall, ...] = ()
    finish_reason: str = "stop"
    usage: TokenUsage = field(default_factory=lambda: TokenUsage(0, 0))
    embeddings: tuple[tuple[float, ...], ...] = ()
