"""Log probabilities for the reply's tokens, when a request asks for them.

Chat asks with ``logprobs: true`` (and ``top_logprobs: k``), legacy completions with
``logprobs: k``, the Responses API with ``include: ["message.output_text.logprobs"]``
(and ``top_logprobs: k``). There is no model, so the numbers are made up, but plausibly: one
entry per ``split_tokens`` piece, a negative logprob that is usually close to 0 (a
model is mostly sure of its next token), and ``k`` alternatives, the token itself
first, each less likely than the one before. Every number is a pure function of the
seed, the token and its position, so the same request gets the same logprobs.
"""

from __future__ import annotations

import random
import zlib

from fakeopenai.filled import TokenLogprob
from fakeopenai.generate.tokens import split_tokens
from fakeopenai.view import RequestView

RESPONSES_INCLUDE = "message.output_text.logprobs"

# Alternatives offered in top_logprobs: common tokens, as a model's runners-up often are.
_RUNNERS_UP = (
    " the", " a", " and", " to", " of", " in", " is", " it", ".", ",", " that", " for",
    " you", " I", " this", " with", " on", " be", " are", " as", " not", " or", "\n",
)  # fmt: skip


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def wanted(view: RequestView) -> int | None:
    """How many alternatives per token the request asks for, or ``None`` when it asks
    for no logprobs at all."""
    body = view.body
    if view.endpoint == "chat":
        if body.get("logprobs") is not True:
            return None
        return max(_count(body.get("top_logprobs")) or 0, 0)
    if view.endpoint == "completions":
        asked = _count(body.get("logprobs"))
        return None if asked is None else max(asked, 0)
    if view.endpoint == "responses":
        include = body.get("include")
        if not isinstance(include, list) or RESPONSES_INCLUDE not in include:
            return None
        return max(_count(body.get("top_logprobs")) or 0, 0)
    return None


def token_logprobs(text: str, top: int, seed: int) -> tuple[TokenLogprob, ...]:
    """One ``TokenLogprob`` per token of ``text``, each with ``top`` alternatives."""
    entries: list[TokenLogprob] = []
    offset = 0
    for position, token in enumerate(split_tokens(text)):
        rng = random.Random(zlib.crc32(f"{seed}\x00{position}\x00{token}".encode()))
        logprob = round(-3.0 * rng.random() ** 4 - 1e-6, 8)
        alternatives: list[tuple[str, float]] = [(token, logprob)] if top else []
        others = [t for t in _RUNNERS_UP if t != token]
        current = logprob
        for runner_up in rng.sample(others, min(max(top - 1, 0), len(others))):
            current = round(current - rng.uniform(0.5, 3.0), 8)
            alternatives.append((runner_up, current))
        entries.append(TokenLogprob(token, logprob, offset, tuple(alternatives)))
        offset += len(token)
    return tuple(entries)
