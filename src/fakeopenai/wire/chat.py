"""Chat Completions bodies and stream frames (WIRE.md §1.1–1.3), field for field.

The non-streamed object and every chunk carry the fields strict clients validate:
``logprobs: null``, ``refusal: null``, ``annotations: []``, ``service_tier: "default"``
(old SDKs' Literal lacks newer tiers), a ``system_fingerprint``, and usage with both
details objects.

``n > 1``: one choice per ``Filled`` in ``filled.choices``, ``index`` 0..n-1. Streamed,
each choice has its own frames (role first, its pieces, its finish chunk), and the
choices' frames are interleaved round-robin, as the real API sends them: chunk k of
choice 0, chunk k of choice 1, …; clients key on ``index``. Logprobs, when asked, are
``{"content": [...], "refusal": null}`` per choice, and per content chunk in a stream.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from fakeopenai.filled import Filled, TokenLogprob, TokenUsage, logprobs_by_piece
from fakeopenai.record import record
from fakeopenai.wire.skeleton import Skeleton, complete, cut, slot
from fakeopenai.wire.sse import DONE, Frame, Frames, body_bytes, compact, data_frame


@record
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


def completion(filled: Filled, meta: Meta) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object, one choice per ``filled.choices``."""
    return {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "choices": [
            {
                "index": index,
                "message": _message(choice),
                "logprobs": logprobs_object(choice.logprobs, content=choice.content is not None),
                "finish_reason": choice.finish_reason,
            }
            for index, choice in enumerate(filled.choices)
        ],
        "usage": usage_object(filled.usage),
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
    head: tuple[str, str],
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
        self._text: Skeleton | None = None  # a text piece's chunk, cut at the text

    def _chunk(self, delta: dict[str, Any], finish: str | None, index: int, logprobs: Any) -> Any:
        chunk = dict(self.head)
        chunk["choices"] = [
            {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
        ]
        if self.include_usage:  # usage: null on every chunk but the last (spec)
            chunk["usage"] = None
        return chunk

    def frame(
        self,
        delta: dict[str, Any],
        finish: str | None = None,
        content: bool = False,
        *,
        index: int = 0,
        logprobs: dict[str, Any] | None = None,
    ) -> Planned:
        """A chunk with one choice's ``delta``, planned (see ``sse.Frames``)."""
        return (delta, finish, index, logprobs), content

    def encode(self, delta: dict[str, Any], finish: str | None, index: int, logprobs: Any) -> bytes:
        """The bytes of a planned chunk. Most are a text piece of the first choice: those
        are the stream's text chunk, encoded once and cut at the text (``wire.skeleton``),
        around the piece's own JSON string."""
        plain = index == 0 and finish is None and logprobs is None and len(delta) == 1
        if plain and "content" in delta:
            if self._text is None:
                marked = self._chunk({"content": slot(0)}, None, 0, None)
                self._text = cut(marked, 1, encode=compact) or ()
            if self._text:
                head, tail = self._text
                return b"data: " + head + compact(delta["content"]) + tail + b"\n\n"
        return b"data: " + compact(self._chunk(delta, finish, index, logprobs)) + b"\n\n"

    def usage_frame(self, usage: TokenUsage) -> Frame:
        chunk = dict(self.head)
        chunk["choices"] = []
        chunk["usage"] = usage_object(usage)
        return data_frame(chunk)


Pieces = tuple[Sequence[str], Sequence[Sequence[str]]]  # (text pieces, each call's pieces)
Planned = tuple[tuple[Any, ...], bool]  # a chunk's arguments to _Chunks.encode, content mark


def _choice_frames(
    chunks: _Chunks, filled: Filled, index: int, content_pieces: Sequence[str],
    argument_pieces: Sequence[Sequence[str]],
) -> list[Planned]:  # fmt: skip
    """One choice's frames: opener, text pieces, tool calls, finish chunk."""
    frames: list[Planned] = []
    refusal = filled.refusal is not None and filled.content is None
    text_key = "refusal" if refusal else "content"
    # A refusal opens with content null and an empty refusal (real capture).
    opener: dict[str, Any] = (
        {"role": "assistant", "content": None, "refusal": ""}
        if refusal
        else {"role": "assistant", "content": "", "refusal": None}
    )
    if filled.tool_calls and not content_pieces:
        opener = {"role": "assistant", "content": None}  # the call opens the message
    else:
        frames.append(chunks.frame(opener, index=index))
        per_piece: list[Any] = [None] * len(content_pieces)
        if filled.logprobs is not None and not refusal:
            per_piece = [
                logprobs_object(entries)
                for entries in logprobs_by_piece(filled.logprobs, content_pieces)
            ]
        for piece, logprobs in zip(content_pieces, per_piece, strict=True):
            frames.append(
                chunks.frame({text_key: piece}, content=True, index=index, logprobs=logprobs)
            )
        opener = {}
    for call_index, call in enumerate(filled.tool_calls):
        first = {
            "index": call_index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        delta = dict(opener, tool_calls=[first])
        if opener:
            delta["refusal"] = None
        frames.append(chunks.frame(delta, index=index))
        opener = {}
        pieces = (
            argument_pieces[call_index] if call_index < len(argument_pieces) else [call.arguments]
        )
        for piece in pieces:
            arg_delta = {"index": call_index, "function": {"arguments": piece}}
            frames.append(chunks.frame({"tool_calls": [arg_delta]}, content=True, index=index))
    frames.append(chunks.frame({}, finish=filled.finish_reason, index=index))
    return frames


def stream_frames(
    filled: Filled,
    meta: Meta,
    *,
    content_pieces: Sequence[str],
    argument_pieces: Sequence[Sequence[str]],
    include_usage: bool,
    other_pieces: Sequence[Pieces] = (),
) -> Frames:
    """Every frame of a streamed answer, ``[DONE]`` included.

    Per choice: role only in its first delta; content (or refusal) pieces; each tool
    call's first delta with id/type/name and ``arguments: ""``, then its argument pieces
    inside a ``function`` object; exactly one finish chunk with an empty delta. Choices
    1..n-1 (``filled.extra_choices``) stream ``other_pieces``, interleaved round-robin
    with choice 0. Then the usage-only chunk when asked, and ``[DONE]``.
    """
    chunks = _Chunks(meta, include_usage)
    pieces: list[Pieces] = [(content_pieces, argument_pieces), *other_pieces]
    per_choice = [
        _choice_frames(chunks, choice, index, *pieces[index])
        for index, choice in enumerate(filled.choices)
    ]
    frames = Frames(chunks.encode)
    for position in range(max(len(choice_frames) for choice_frames in per_choice)):
        for planned in (fs[position] for fs in per_choice if position < len(fs)):
            frames.plan(*planned)
    if include_usage:
        frames.add(chunks.usage_frame(filled.usage))
    frames.add(Frame(DONE))
    return frames
