"""Legacy Completions bodies and stream frames (WIRE.md §5.3).

One choice per prompt and per ``n`` (prompt i's choices are ``i*n .. i*n+n-1``), each
``index`` its position, ``logprobs: null`` unless the request asked for ``logprobs: k``
(then ``tokens``, ``token_logprobs``, ``top_logprobs`` and ``text_offset``),
``finish_reason`` one of ``stop``/``length``/``content_filter``. A stream sends
``text_completion`` chunks with the text pieces and one final chunk per choice with
empty text and the finish reason, the choices' chunks interleaved round-robin as the
API does; then the usage chunk (``choices: []``) when ``stream_options.include_usage``
asks, and ``[DONE]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakeopenai.filled import TokenLogprob, TokenUsage, logprobs_by_piece
from fakeopenai.record import record
from fakeopenai.wire.sse import DONE, Frame, Frames, data_frame

# Legacy completions know only these; tool-call replies end as a plain stop.
_FINISH = {"stop", "length", "content_filter"}


@record
class Meta:
    """What every object of one completion shares."""

    id: str
    created: int
    model: str


@record
class Choice:
    """One choice: its whole text, why it ended, and its tokens' logprobs when asked
    (offsets counted in ``text``, an echoed prompt included)."""

    text: str
    finish_reason: str
    logprobs: tuple[TokenLogprob, ...] | None = None


def finish_reason(reason: str) -> str:
    """The legacy endpoint's finish reason for a reply's ``finish_reason``."""
    return reason if reason in _FINISH else "stop"


def usage_object(usage: TokenUsage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def logprobs_object(entries: Sequence[TokenLogprob] | None) -> dict[str, Any] | None:
    """The legacy ``logprobs`` object: parallel lists, one item per token."""
    if entries is None:
        return None
    return {
        "tokens": [e.token for e in entries],
        "token_logprobs": [e.logprob for e in entries],
        "top_logprobs": [dict(e.top) for e in entries],
        "text_offset": [e.offset for e in entries],
    }


def _choice(index: int, text: str, finish: str | None, logprobs: Any = None) -> dict[str, Any]:
    return {"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}


def completion(choices: Sequence[Choice], meta: Meta, usage: TokenUsage) -> dict[str, Any]:
    """The non-streamed ``text_completion`` object."""
    return {
        "id": meta.id,
        "object": "text_completion",
        "created": meta.created,
        "model": meta.model,
        "choices": [
            _choice(i, c.text, finish_reason(c.finish_reason), logprobs_object(c.logprobs))
            for i, c in enumerate(choices)
        ],
        "usage": usage_object(usage),
    }


def stream_frames(
    choices: Sequence[Choice],
    pieces: Sequence[Sequence[str]],
    meta: Meta,
    usage: TokenUsage,
    *,
    include_usage: bool,
) -> Frames:
    """Every frame of a streamed completion: ``pieces[i]`` are choice i's text pieces."""
    head = {
        "id": meta.id,
        "object": "text_completion",
        "created": meta.created,
        "model": meta.model,
    }

    def encode(choice: dict[str, Any]) -> bytes:  # as the frame goes out (sse.Frames)
        obj = dict(head, choices=[choice])
        if include_usage:  # usage: null on every chunk but the usage chunk, as on chat
            obj["usage"] = None
        return data_frame(obj).data

    per_choice: list[list[tuple[tuple[Any, ...], bool]]] = []
    for index, (choice, choice_pieces) in enumerate(zip(choices, pieces, strict=True)):
        per_piece: list[Any] = [None] * len(choice_pieces)
        if choice.logprobs is not None:
            grouped = logprobs_by_piece(choice.logprobs, choice_pieces)
            per_piece = [logprobs_object(entries) for entries in grouped]
        planned = [
            ((_choice(index, piece, None, logprobs),), True)
            for piece, logprobs in zip(choice_pieces, per_piece, strict=True)
        ]
        planned.append(((_choice(index, "", finish_reason(choice.finish_reason)),), False))
        per_choice.append(planned)
    out = Frames(encode)
    for position in range(max((len(f) for f in per_choice), default=0)):
        for args, content in (f[position] for f in per_choice if position < len(f)):
            out.plan(args, content)
    if include_usage:
        out.add(data_frame(dict(head, choices=[], usage=usage_object(usage))))
    out.add(Frame(DONE))
    return out
