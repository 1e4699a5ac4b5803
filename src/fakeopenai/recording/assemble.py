"""An answer's body or stream frames → the ``reply`` mapping that gives it back.

One function per wire shape: Chat Completions (body and chunks), Responses (object and
typed events), legacy Completions, Embeddings. Streams keep their text pieces exactly
(``chunks:``); tool-call arguments are joined and parsed into mappings. Only the first
choice is kept (a scenario reply describes one; ``n > 1`` replays generate the rest).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterator, Sequence
from typing import Any

from fakeopenai.recording.exchange import Frame

FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter", "function_call")


def usage_of(usage: Any) -> dict[str, int] | None:
    """Chat, Completions or Responses usage → the scenario's ``usage`` keys."""
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    completion = usage.get("completion_tokens", usage.get("output_tokens"))
    found: dict[str, int] = {}
    if isinstance(prompt, int):
        found["prompt_tokens"] = prompt
    if isinstance(completion, int):
        found["completion_tokens"] = completion
    prompt_details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    done_details = usage.get("completion_tokens_details") or usage.get("output_tokens_details")
    cached = (prompt_details or {}).get("cached_tokens")
    reasoning = (done_details or {}).get("reasoning_tokens")
    if isinstance(cached, int) and cached:
        found["cached_tokens"] = cached
    if isinstance(reasoning, int) and reasoning:
        found["reasoning_tokens"] = reasoning
    return found or None


def arguments_of(raw: Any) -> Any:
    """Tool arguments as a mapping when they are a JSON object, else as sent."""
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        return parsed if isinstance(parsed, dict) else raw
    return raw if isinstance(raw, dict) else json.dumps(raw)


def _call(name: Any, arguments: Any, call_id: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"function": str(name or ""), "arguments": arguments_of(arguments)}
    if isinstance(call_id, str) and call_id:
        call["id"] = call_id
    return call


def _reply(**fields: Any) -> dict[str, Any]:
    """A reply mapping without the empty fields, in the order given."""
    return {k: v for k, v in fields.items() if v not in (None, [], "")}


def _finish(value: Any) -> str | None:
    return value if value in FINISH_REASONS else None


def chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """A ``chat.completion`` object → its reply."""
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    calls = [
        _call(
            c.get("function", {}).get("name"), c.get("function", {}).get("arguments"), c.get("id")
        )
        for c in message.get("tool_calls") or []
        if isinstance(c, dict)
    ]
    return _reply(
        content=message.get("content"),
        refusal=message.get("refusal"),
        tool_calls=calls,
        finish_reason=_finish(choice.get("finish_reason")),
        usage=usage_of(body.get("usage")),
        model=body.get("model"),
    )


class _Chunks:
    """A Chat or legacy completions stream's chunks: choice 0 of each (a reply scripts
    one choice), and the last ``model`` and ``usage`` they named."""

    def __init__(self, frames: Sequence[Frame]) -> None:
        self.frames = frames
        self.model: Any = None
        self.usage: Any = None

    def first_choices(self) -> Iterator[dict[str, Any]]:
        for frame in self.frames:
            chunk = frame.json()
            if not isinstance(chunk, dict):
                continue
            self.model = chunk.get("model") or self.model
            self.usage = chunk.get("usage") or self.usage
            for choice in chunk.get("choices") or []:
                if choice.get("index", 0) == 0:
                    yield choice


def chat_stream(frames: Sequence[Frame]) -> dict[str, Any]:
    """``chat.completion.chunk`` frames → the reply, with the text pieces as ``chunks``."""
    pieces: list[str] = []
    refusal: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    chunks = _Chunks(frames)
    for choice in chunks.first_choices():
        delta = choice.get("delta") or {}
        if delta.get("content"):
            pieces.append(delta["content"])
        if delta.get("refusal"):
            refusal.append(delta["refusal"])
        for call in delta.get("tool_calls") or []:
            slot = calls.setdefault(call.get("index", 0), {"name": "", "args": "", "id": None})
            function = call.get("function") or {}
            slot["id"] = call.get("id") or slot["id"]
            slot["name"] += function.get("name") or ""
            slot["args"] += function.get("arguments") or ""
        finish = choice.get("finish_reason") or finish
    return _reply(
        chunks=pieces,
        refusal="".join(refusal),
        tool_calls=[_call(c["name"], c["args"], c["id"]) for _, c in sorted(calls.items())],
        finish_reason=_finish(finish),
        usage=usage_of(chunks.usage),
        model=chunks.model,
    )


def responses_body(body: dict[str, Any]) -> dict[str, Any]:
    """A Responses ``response`` object → its reply."""
    texts: list[str] = []
    refusals: list[str] = []
    calls = []
    for item in body.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    texts.append(part.get("text") or "")
                elif part.get("type") == "refusal":
                    refusals.append(part.get("refusal") or "")
        elif item.get("type") == "function_call":
            calls.append(_call(item.get("name"), item.get("arguments"), item.get("call_id")))
    incomplete = body.get("status") == "incomplete"
    return _reply(
        content="".join(texts) if texts else None,
        refusal="".join(refusals),
        tool_calls=calls,
        finish_reason="length" if incomplete else None,
        usage=usage_of(body.get("usage")),
        model=body.get("model"),
    )


def responses_stream(frames: Sequence[Frame]) -> dict[str, Any]:
    """Responses events → the reply: text pieces from ``response.output_text.delta``,
    the rest from the final ``response`` object the last event carries."""
    pieces: list[str] = []
    final: dict[str, Any] = {}
    for frame in frames:
        event = frame.json()
        if not isinstance(event, dict):
            continue
        kind = event.get("type") or frame.event
        if kind == "response.output_text.delta" and event.get("delta"):
            pieces.append(event["delta"])
        elif isinstance(event.get("response"), dict):
            final = event["response"]
    reply = responses_body(final)
    reply.pop("content", None)
    return _reply(chunks=pieces, **reply)


def completions_body(body: dict[str, Any]) -> dict[str, Any]:
    """A legacy ``text_completion`` → its reply."""
    choice = (body.get("choices") or [{}])[0]
    return _reply(
        content=choice.get("text"),
        finish_reason=_finish(choice.get("finish_reason")),
        usage=usage_of(body.get("usage")),
        model=body.get("model"),
    )


def completions_stream(frames: Sequence[Frame]) -> dict[str, Any]:
    """Legacy completion chunks → the reply with ``chunks``."""
    pieces: list[str] = []
    finish = None
    chunks = _Chunks(frames)
    for choice in chunks.first_choices():
        if choice.get("text"):
            pieces.append(choice["text"])
        finish = choice.get("finish_reason") or finish
    usage = usage_of(chunks.usage)
    return _reply(chunks=pieces, finish_reason=_finish(finish), usage=usage, model=chunks.model)


def embeddings_body(body: dict[str, Any]) -> dict[str, Any]:
    """An embeddings list → ``embedding`` (one vector, or one per input)."""
    vectors = []
    for item in sorted(body.get("data") or [], key=lambda d: d.get("index", 0)):
        value = item.get("embedding")
        if isinstance(value, str):  # encoding_format: base64, little-endian float32
            raw = base64.b64decode(value)
            value = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        vectors.append(value)
    usage = body.get("usage") or {}
    prompt = usage.get("prompt_tokens")
    return _reply(
        embedding=vectors[0] if len(vectors) == 1 else vectors,
        usage={"prompt_tokens": prompt} if isinstance(prompt, int) else None,
        model=body.get("model"),
    )
