"""A reply with every generated part made concrete, ready for a wire builder.

``generate.fill`` turns a scenario ``Reply`` (which may say "generate text", ``auto``
tool calls, templates) into a ``Filled``; the wire builders in ``fakeopenai.wire``
turn a ``Filled`` into the exact JSON or SSE bytes of one endpoint.

A request with ``n > 1`` gets one ``Filled`` per choice: the first is the answer
itself and carries the others in ``extra_choices``; its ``usage`` counts them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import Any

from fakeopenai.record import record


@record
class FilledToolCall:
    """A concrete tool call: ``arguments`` is the JSON string sent on the wire."""

    id: str
    name: str
    arguments: str


@record
class TokenUsage:
    """Token counts, as the API reports them."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@record
class TokenLogprob:
    """One content token's log probability, its ``offset`` in the text, and the
    most likely alternatives (``top``: token and logprob, the token itself first)."""

    token: str
    logprob: float
    offset: int
    top: tuple[tuple[str, float], ...] = ()


@record
class Filled:
    """The concrete answer: text and/or tool calls, finish reason, usage, model.

    ``logprobs`` is ``None`` unless the request asked for them. ``extra_choices`` are
    choices 1..n-1 of an ``n > 1`` request (each with its own text, calls and finish
    reason); ``usage`` here is the whole answer's.
    """

    model: str
    content: str | None
    refusal: str | None = None
    tool_calls: tuple[FilledToolCall, ...] = ()
    finish_reason: str = "stop"
    usage: TokenUsage = field(default_factory=lambda: TokenUsage(0, 0))
    embeddings: tuple[tuple[float, ...], ...] = ()
    logprobs: tuple[TokenLogprob, ...] | None = None
    extra_choices: tuple[Filled, ...] = ()
    # The rule's text as written, the same for every request it matches (so a builder
    # may reuse the bytes it encoded for an earlier one).
    fixed: bool = False

    @property
    def choices(self) -> tuple[Filled, ...]:
        """Every choice, in index order (this one first)."""
        return (self, *self.extra_choices)

    def summary(self) -> dict[str, Any]:
        """What the journal (``Entry.reply``) and the inspector show of the answer."""
        return {
            "content": self.content,
            "refusal": self.refusal,
            "tool_calls": [
                {"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.tool_calls
            ],
            "finish_reason": self.finish_reason,
            "model": self.model,
        }


def logprobs_by_piece(
    logprobs: Sequence[TokenLogprob], pieces: Sequence[str]
) -> list[tuple[TokenLogprob, ...]]:
    """The tokens each stream piece carries: a token goes with the piece its first
    character is in, so the pieces' lists together are exactly ``logprobs``."""
    out: list[tuple[TokenLogprob, ...]] = []
    start, position = 0, 0
    for piece in pieces:
        end = start + len(piece)
        taken = position
        while taken < len(logprobs) and logprobs[taken].offset < end:
            taken += 1
        out.append(tuple(logprobs[position:taken]))
        start, position = end, taken
    if out and position < len(logprobs):  # tokens past the pieces ride on the last one
        out[-1] += tuple(logprobs[position:])
    return out
