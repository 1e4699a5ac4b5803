"""Chat Completions bodies and stream frames (WIRE.md §1.1–1.3), field for field.

The non-streamed object and every chunk carry the fields strict clients validate:
``logprobs: null``, ``refusal: null``, ``annotations: []``, ``service_tier: "default"``
(old SDKs' Literal lacks newer tiers), a ``system_fingerprint``, and usage with both
details objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakeopenai.filled import Filled, TokenUsage
from fakeopenai.wire.sse import DONE, Frame, data_frame


@dataclass(frozen=True, slots=True)
class Meta:
    """What every object of one response shares."""

    id: str
    created: int
    model: str
    fingerprint: str


def usage_object(usage: TokenUsage) -> dict[str, Any]:
    """``usage`` with both details objects, as the API sends it."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def completion(filled: Filled, meta: Meta) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object."""
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
    return {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": filled.finish_reason,
            }
        ],
        "usage": usage_object(filled.usage),
        "service_tier": "default",
        "system_fingerprint": meta.fingerprint,
    }


class _Chunks:
    """Builds chunk objects that share id/created/model and the usage convention."""

    def __init__(self, meta: Meta, include_usage: bool) -> None:
        self.head = {
            "id": meta.id,
            "object": "chat.completion.chunk",
            "created": meta.created,
            "model": meta.model,
            "service_tier": "default",
            "system_fingerprint": meta.fingerprint,
        }
        self.include_usage = include_usage

    def frame(
        self, delta: dict[str, Any], finish: str | None = None, content: bool = False
    ) -> Frame:
        chunk = dict(self.head)
        chunk["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        if self.include_usage:  # usage: null on every chunk but the last (spec)
            chunk["usage"] = None
        return data_frame(chunk, content)

    def usage_frame(self, usage: TokenUsage) -> Frame:
        chunk = dict(self.head)
        chunk["choices"] = []
        chunk["usage"] = usage_object(usage)
        return data_frame(chunk)


def stream_frames(
    filled: Filled,
    meta: Meta,
    *,
    content_pieces: Sequence[str],
    argument_pieces: Sequence[Sequence[str]],
    include_usage: bool,
) -> list[Frame]:
    """Every frame of a streamed answer, ``[DONE]`` included.

    Role only in the first delta; content (or refusal) pieces; each tool call's first
    delta with id/type/name and ``arguments: ""``, then its argument pieces inside a
    ``function`` object; exactly one finish chunk with an empty delta; the usage-only
    chunk when asked; ``[DONE]``.
    """
    chunks = _Chunks(meta, include_usage)
    frames: list[Frame] = []
    text_key = "refusal" if filled.refusal is not None and filled.content is None else "content"
    opener: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
    if filled.tool_calls and not content_pieces:
        opener = {"role": "assistant", "content": None}  # the call opens the message
    else:
        frames.append(chunks.frame(opener))
        for piece in content_pieces:
            frames.append(chunks.frame({text_key: piece}, content=True))
        opener = {}
    for index, call in enumerate(filled.tool_calls):
        first = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        delta = dict(opener, tool_calls=[first])
        if opener:
            delta["refusal"] = None
        frames.append(chunks.frame(delta))
        opener = {}
        pieces = argument_pieces[index] if index < len(argument_pieces) else [call.arguments]
        for piece in pieces:
            arg_delta = {"index": index, "function": {"arguments": piece}}
            frames.append(chunks.frame({"tool_calls": [arg_delta]}, content=True))
    frames.append(chunks.frame({}, finish=filled.finish_reason))
    if include_usage:
        frames.append(chunks.usage_frame(filled.usage))
    frames.append(Frame(DONE))
    return frames
