"""Legacy Completions bodies and stream frames (WIRE.md §5.3).

One choice per prompt (a list of prompts gets a list of choices, ``index`` = position),
``logprobs: null``, ``finish_reason`` one of ``stop``/``length``/``content_filter``. A
stream sends ``text_completion`` chunks with the text pieces, one final chunk per
choice with empty text and the finish reason, the usage chunk (``choices: []``) when
``stream_options.include_usage`` asks, then ``[DONE]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakeopenai.filled import TokenUsage
from fakeopenai.wire.sse import DONE, Frame, data_frame

# Legacy completions know only these; tool-call replies end as a plain stop.
_FINISH = {"stop", "length", "content_filter"}


@dataclass(frozen=True, slots=True)
class Meta:
    """What every object of one completion shares."""

    id: str
    created: int
    model: str


def finish_reason(reason: str) -> str:
    """The legacy endpoint's finish reason for a reply's ``finish_reason``."""
    return reason if reason in _FINISH else "stop"


def usage_object(usage: TokenUsage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _choice(index: int, text: str, finish: str | None) -> dict[str, Any]:
    return {"text": text, "index": index, "logprobs": None, "finish_reason": finish}


def completion(texts: Sequence[str], meta: Meta, usage: TokenUsage, reason: str) -> dict[str, Any]:
    """The non-streamed ``text_completion`` object, one choice per text."""
    return {
        "id": meta.id,
        "object": "text_completion",
        "created": meta.created,
        "model": meta.model,
        "choices": [_choice(i, text, finish_reason(reason)) for i, text in enumerate(texts)],
        "usage": usage_object(usage),
    }


def stream_frames(
    pieces: Sequence[Sequence[str]],
    meta: Meta,
    usage: TokenUsage,
    reason: str,
    *,
    include_usage: bool,
) -> list[Frame]:
    """Every frame of a streamed completion: ``pieces[i]`` are choice i's text pieces."""
    head = {
        "id": meta.id,
        "object": "text_completion",
        "created": meta.created,
        "model": meta.model,
    }

    def chunk(choices: list[dict[str, Any]], content: bool = False) -> Frame:
        obj = dict(head, choices=choices)
        if include_usage:  # usage: null on every chunk but the usage chunk, as on chat
            obj["usage"] = None
        return data_frame(obj, content)

    frames = [
        chunk([_choice(index, piece, None)], content=True)
        for index, choice_pieces in enumerate(pieces)
        for piece in choice_pieces
    ]
    finish = finish_reason(reason)
    frames += [chunk([_choice(index, "", finish)]) for index in range(len(pieces))]
    if include_usage:
        frames.append(data_frame(dict(head, choices=[], usage=usage_object(usage))))
    frames.append(Frame(DONE))
    return frames
