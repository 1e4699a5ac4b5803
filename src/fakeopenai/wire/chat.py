"""Chat Completions bodies (WIRE.md §1.1), field for field; the stream's frames are
``wire.chat_stream``'s.

The non-streamed object and every chunk carry the fields strict clients validate:
``logprobs: null``, ``refusal: null``, ``annotations: []``, ``service_tier: "default"``
(old SDKs' Literal lacks newer tiers), a ``system_fingerprint``, and usage with both
details objects. Per model family (``families``) the choices may lack the ``logprobs``
key, the fingerprint may be null and the prompt details count ``cache_write_tokens``.

``n > 1``: one choice per ``Filled`` in ``filled.choices``, ``index`` 0..n-1. Logprobs,
when asked, are ``{"content": [...], "refusal": null}`` per choice, and per content chunk
in a stream.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from fakeopenai.families import Family, family_of
from fakeopenai.filled import Filled, TokenLogprob, TokenUsage
from fakeopenai.record import record
from fakeopenai.wire.skeleton import Skeleton, complete, cut, slot
from fakeopenai.wire.sse import body_bytes


@record
class Meta:
    """What every object of one response shares."""

    id: str
    created: int
    model: str
    fingerprint: str | None  # null for families that send none (gpt-5)
    obfuscate: bool = False  # streams: the ``obfuscation`` padding on every chunk


def usage_object(usage: TokenUsage, family: Family | None = None) -> dict[str, Any]:
    """``usage`` with both details objects, as the API sends it (the newest models
    also count ``cache_write_tokens``)."""
    prompt_details = {"cached_tokens": usage.cached_tokens, "audio_tokens": 0}
    if family is not None and family.cache_write_tokens:
        prompt_details["cache_write_tokens"] = 0
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _alternative(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}


def logprobs_object(
    entries: Sequence[TokenLogprob] | None, *, content: bool = True
) -> dict[str, Any] | None:
    """A choice's ``logprobs``: ``None`` when not asked, else the content tokens'
    entries (``content: null`` when the choice has no text)."""
    if entries is None:
        return None
    tokens = [
        {
            **_alternative(entry.token, entry.logprob),
            "top_logprobs": [_alternative(token, logprob) for token, logprob in entry.top],
        }
        for entry in entries
    ]
    return {"content": tokens if content else None, "refusal": None}


def _message(filled: Filled) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": filled.content}
    if filled.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in filled.tool_calls
        ]
    message["refusal"] = filled.refusal
    message["annotations"] = []
    return message


def _choice(filled: Filled, index: int, family: Family) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "message": _message(filled)}
    if family.logprobs_key or filled.logprobs is not None:  # gpt-5: no key unless asked
        choice["logprobs"] = logprobs_object(filled.logprobs, content=filled.content is not None)
    choice["finish_reason"] = filled.finish_reason
    return choice


def completion(filled: Filled, meta: Meta) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object, one choice per ``filled.choices``."""
    family = family_of(meta.model)
    return {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "choices": [_choice(choice, index, family) for index, choice in enumerate(filled.choices)],
        "usage": usage_object(filled.usage, family),
        "service_tier": "default",
        "system_fingerprint": meta.fingerprint,
    }


def completion_bytes(filled: Filled, meta: Meta) -> bytes:
    """The encoded ``completion(filled, meta)``. A fixed reply with one plain choice is
    completed from its cached skeleton (``wire.skeleton``): the same bytes, a fraction
    of the work."""
    # (a request's own model name is part of the key: a long one is not kept)
    if (
        filled.fixed
        and not (filled.tool_calls or filled.extra_choices)
        and not filled.logprobs
        and len(meta.model) <= 256
    ):
        usage = filled.usage
        skeleton = _skeleton(
            (meta.model, meta.fingerprint),
            (filled.content, filled.refusal, filled.finish_reason),
            (usage.completion_tokens, usage.cached_tokens, usage.reasoning_tokens),
        )
        if skeleton is not None:
            # (ids are letters, digits and dashes: their JSON is the text in quotes)
            return complete(
                skeleton,
                (
                    f'"{meta.id}"'.encode(),
                    b"%d" % meta.created,
                    b"%d" % usage.prompt_tokens,
                    b"%d" % usage.total_tokens,
                ),
            )
    return body_bytes(completion(filled, meta))


@functools.lru_cache(maxsize=1024)
def _skeleton(
    head: tuple[str, str | None],
    answer: tuple[str | None, str | None, str],
    counts: tuple[int, int, int],
) -> Skeleton | None:
    """The cut ``chat.completion`` of a fixed answer (slots: id, created, prompt and
    total tokens), per model, system fingerprint, text, refusal, finish and counts."""
    (model, fingerprint), (content, refusal, finish_reason) = head, answer
    completion_tokens, cached, reasoning = counts
    usage = TokenUsage(0, completion_tokens, cached, reasoning)
    filled = Filled(model, content, refusal, finish_reason=finish_reason, usage=usage)
    body = completion(filled, Meta(slot(0), 0, model, fingerprint))
    body["created"] = slot(1)
    body["usage"]["prompt_tokens"] = slot(2)
    body["usage"]["total_tokens"] = slot(3)
    return cut(body, 4)
