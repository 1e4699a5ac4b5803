"""A scenario's ``defaults`` merged under each of its replies.

Key by key, the reply wins; nested parts that are settings (latency, fault, rate-limit
headers, usage, extra headers, sse options) merge one level down, so ``defaults: {latency: {ttft_ms:
300}}`` and ``reply: {latency: {chunk_ms: 5}}`` give both delays.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from fakeopenai.scenario import Fault, Reply

# Nested parts of a reply that merge key by key. `error`, `content`, `chunking` and
# `tool_calls` are one thing each: a reply that sets one replaces the default whole.
_MERGED = ("latency", "fault", "ratelimit", "usage", "headers", "sse")
# Keys that exclude each other: a reply that sets one drops the defaults' others.
_ALTERNATIVES = (
    frozenset({"chunk_ms", "tokens_per_second"}),
    frozenset(name for name in Fault.model_fields if name.endswith("_after")),
)


def merge_reply(defaults: Reply | None, reply: Reply) -> Reply:
    """``reply`` over ``defaults``: keys set in the reply win (an explicit null too).

    ``latency``, ``fault``, ``ratelimit``, ``usage``, ``headers`` and ``sse`` merge key by key,
    except that a reply choosing a pace (``chunk_ms``/``tokens_per_second``) or a fault
    kind (``*_after``) drops the defaults' other choice; a reply with scripted text
    drops the defaults' ``style`` (which only shapes generated text).
    """
    if defaults is None:
        return reply
    values = _set_values(defaults)
    for key, mine in _set_values(reply).items():
        base = values.get(key)
        if key in _MERGED and isinstance(mine, BaseModel) and isinstance(base, BaseModel):
            values[key] = _merge_model(base, mine)
        elif key in _MERGED and isinstance(mine, dict) and isinstance(base, dict):
            values[key] = {**base, **mine}
        else:
            values[key] = mine
    if "style" not in reply.model_fields_set and not {"content", "chunks"}.isdisjoint(
        reply.model_fields_set
    ):
        values.pop("style", None)  # a default style shapes generated text, not this text
    return Reply.model_validate(values)


def _merge_model(base: BaseModel, mine: BaseModel) -> BaseModel:
    chosen = mine.model_fields_set
    values = {
        key: value
        for key, value in _set_values(base).items()
        if not any(key in group and chosen & group for group in _ALTERNATIVES)
    }
    return type(mine).model_validate(values | _set_values(mine))


def _set_values(model: BaseModel) -> dict[str, Any]:
    """The fields a model was given explicitly, keyed as users write them."""
    fields = type(model).model_fields
    return {fields[n].alias or n: getattr(model, n) for n in model.model_fields_set}
