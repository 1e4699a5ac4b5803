"""Per-family differences on the wire (WIRE.md §9 rows 6 and 11).

One shape for every model is wrong in small ways that strict clients and golden tests
notice: the gpt-5 family's chat choices have no ``logprobs`` key and a null
``system_fingerprint``, its newest models count ``cache_write_tokens`` in the prompt
details, and its Responses objects say which reasoning context they used and mark the
answer's ``phase``. ``family_of(model)`` finds a model's family by the longest known
prefix of its name (alias or snapshot alike); a model no prefix names answers as
gpt-4o does, the shape most OpenAI-compatible servers copy.
"""

from __future__ import annotations

import functools

from fakeopenai.record import record


@record
class Family:
    """What one model family's answers look like, where families differ."""

    name: str
    # chat: choices[].logprobs is sent (as null when not asked); gpt-5 leaves it out
    logprobs_key: bool = True
    # chat: system_fingerprint is "fp_…" (else null)
    fingerprint: bool = True
    # chat: usage.prompt_tokens_details has cache_write_tokens (newest models)
    cache_write_tokens: bool = False
    # responses: reasoning.context echoed on the response object (else absent)
    reasoning_context: str | None = None
    # responses: reasoning.effort when the request sets none (reasoning models)
    reasoning_effort: str | None = None
    # responses: the message item's phase ("final_answer"), else absent
    phase: str | None = None


GPT_4O = Family("gpt-4o")
GPT_41 = Family("gpt-4.1")
O_SERIES = Family("o-series", reasoning_effort="medium")
GPT_5 = Family(
    "gpt-5",
    logprobs_key=False,
    fingerprint=False,
    reasoning_context="current_turn",
    reasoning_effort="medium",
    phase="final_answer",
)
GPT_5_NEW = Family(
    "gpt-5 (2026)",
    logprobs_key=False,
    fingerprint=False,
    cache_write_tokens=True,
    reasoning_context="current_turn",
    reasoning_effort="medium",
    phase="final_answer",
)

# name prefix → family; the longest matching prefix wins
PREFIXES: dict[str, Family] = {
    "gpt-4o": GPT_4O,
    "chatgpt-4o": GPT_4O,
    "gpt-4.1": GPT_41,
    "gpt-5": GPT_5,
    "gpt-5.5": GPT_5_NEW,
    "o1": O_SERIES,
    "o3": O_SERIES,
    "o4": O_SERIES,
}
_LONGEST_FIRST = sorted(PREFIXES, key=len, reverse=True)


@functools.lru_cache(maxsize=1024)  # a few model names, asked on every request
def family_of(model: str) -> Family:
    """The family ``model`` belongs to (gpt-4o's shape when none is known)."""
    for prefix in _LONGEST_FIRST:
        if model.startswith(prefix) and _ends_name(model, len(prefix)):
            return PREFIXES[prefix]
    return GPT_4O


def _ends_name(model: str, at: int) -> bool:
    """A prefix names a family only up to a separator: ``o3-mini`` is o-series,
    ``o3x`` is not; ``gpt-5.5`` is not ``gpt-5`` (the longer prefix comes first)."""
    return at == len(model) or model[at] in "-.:"
