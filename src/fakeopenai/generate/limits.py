"""The request's limits on the reply's text: ``max_tokens`` and ``stop``.

The real API stops generating at the token limit (``finish_reason: length``; on the
Responses API ``status: incomplete``) or just before a stop sequence (``finish_reason:
stop``, the sequence itself not sent). The fake applies both to the reply's content,
generated or scripted, cutting on ``split_tokens`` pieces so usage matches the text
sent. Tool-call arguments are never cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakeopenai.generate.tokens import split_tokens
from fakeopenai.view import RequestView

# Legacy completions stop at 16 tokens when the request sets no max_tokens (WIRE §5.3).
COMPLETIONS_DEFAULT_MAX_TOKENS = 16

# The parameters that cap the output, per endpoint, in the order the API prefers them.
_LIMIT_KEYS = {
    "chat": ("max_completion_tokens", "max_tokens"),
    "responses": ("max_output_tokens",),
    "completions": ("max_tokens",),
}


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def max_tokens(view: RequestView) -> int | None:
    """The most tokens the reply's text may have, or ``None`` for no limit."""
    for key in _LIMIT_KEYS.get(view.endpoint, ()):
        limit = _integer(view.body.get(key))
        if limit is not None:
            return limit
    return COMPLETIONS_DEFAULT_MAX_TOKENS if view.endpoint == "completions" else None


def stop_sequences(view: RequestView) -> list[str]:
    """``stop`` as a list (chat and legacy completions only; empty strings ignored)."""
    if view.endpoint not in ("chat", "completions"):
        return []
    stop = view.body.get("stop")
    given: Sequence[Any] = [stop] if isinstance(stop, str) else ()
    if isinstance(stop, list):
        given = stop
    return [s for s in given if isinstance(s, str) and s]


def cut(text: str, limit: int | None, stops: Sequence[str]) -> tuple[str, str | None]:
    """``text`` as the API would have sent it, and why it was cut (``"stop"`` or
    ``"length"``; ``None`` when it was not)."""
    reason: str | None = None
    found = [text.find(s) for s in stops if s in text]
    if found:
        text, reason = text[: min(found)], "stop"
    if limit is not None:
        tokens = split_tokens(text)
        if len(tokens) > limit:
            text, reason = "".join(tokens[: max(limit, 0)]), "length"
    return text, reason
