"""Chat Completions stream frames (WIRE.md §1.2–1.3), chunk for chunk.

Every chunk shares the response's id, created, model, ``service_tier`` and
``system_fingerprint``; the role comes in the first delta only; tool calls open with id,
type and name and ``arguments: ""``, their argument pieces inside a ``function``
object; one finish chunk with an empty delta; ``usage: null`` on every chunk and a last
usage-only chunk when ``include_usage`` asks; then ``[DONE]``. As recorded (WIRE.md §9):
parallel calls open with a chunk of their own, ``n > 1`` streams send each choice's
opener with its first piece, and every chunk carries the ``obfuscation`` padding unless
the request turned it off. Per model family (``families``) the choices may lack the
``logprobs`` key and the fingerprint may be null.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakeopenai.families import family_of
from fakeopenai.filled import Filled, TokenUsage, logprobs_by_piece
from fakeopenai.wire.chat import Meta, logprobs_object, usage_object
from fakeopenai.wire.obfuscation import pad, pad_bytes
from fakeopenai.wire.skeleton import Skeleton, cut, slot
from fakeopenai.wire.sse import DONE, Frame, Frames, compact


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
        self.family = family_of(meta.model)
        self.obfuscate = meta.obfuscate
        self._text: Skeleton | None = None  # a text piece's chunk, cut at the text

    def _chunk(self, delta: dict[str, Any], finish: str | None, index: int, logprobs: Any) -> Any:
        chunk = dict(self.head)
        choice: dict[str, Any] = {"index": index, "delta": delta}
        if self.family.logprobs_key or logprobs is not None:
            choice["logprobs"] = logprobs
        choice["finish_reason"] = finish
        chunk["choices"] = [choice]
        if self.include_usage:  # usage: null on every chunk but the last (spec)
            chunk["usage"] = None
        return chunk

    def _padded(self, chunk: dict[str, Any], piece: str = "") -> bytes:
        """``data: {chunk}``, with the ``obfuscation`` padding last when it is on."""
        if self.obfuscate:
            chunk["obfuscation"] = pad(len(piece))
        return b"data: " + compact(chunk) + b"\n\n"

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
                if self._text and self.obfuscate:  # cut before the closing brace, once
                    head, tail = self._text
                    self._text = (b"data: " + head, tail[:-1] + b',"obfuscation":"')
            if self._text:
                head, tail = self._text
                piece = delta["content"]
                if self.obfuscate:  # the padding goes last: before the closing brace
                    padding = pad_bytes(len(piece))
                    return b"".join((head, compact(piece), tail, padding, b'"}\n\n'))
                return b"data: " + head + compact(piece) + tail + b"\n\n"
        piece = next(iter(delta.values()), "") if len(delta) == 1 else ""
        return self._padded(self._chunk(delta, finish, index, logprobs), _text_of(piece))

    def usage_frame(self, usage: TokenUsage) -> Frame:
        chunk = dict(self.head)
        chunk["choices"] = []
        chunk["usage"] = usage_object(usage, self.family)
        return Frame(self._padded(chunk))


def _text_of(value: Any) -> str:
    """A delta's text for the padding's length (tool-call deltas count as empty)."""
    return value if isinstance(value, str) else ""


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
        if len(filled.tool_calls) > 1:  # parallel calls: the opener is a chunk of its own
            frames.append(chunks.frame(opener, index=index))
            opener = {}
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


def _steps(frames: list[Planned]) -> list[list[Planned]]:
    """A choice's frames in the steps ``n > 1`` streams interleave: its opener goes
    with its first piece (recorded: ``0:role, 0:content, 1:role, 1:content, …``)."""
    if len(frames) > 1 and "role" in frames[0][0][0] and "tool_calls" not in frames[0][0][0]:
        return [frames[:2], *([frame] for frame in frames[2:])]
    return [[frame] for frame in frames]


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
    if len(per_choice) == 1:
        for planned in per_choice[0]:
            frames.plan(*planned)
    else:
        steps = [_steps(choice_frames) for choice_frames in per_choice]
        for position in range(max(map(len, steps))):
            for step in (s[position] for s in steps if position < len(s)):
                for planned in step:
                    frames.plan(*planned)
    if include_usage:
        frames.add(chunks.usage_frame(filled.usage))
    frames.add(Frame(DONE))
    return frames
