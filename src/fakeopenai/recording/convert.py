"""An ``Exchange`` → a ``Recorded`` rule: a ``match`` built from the request (endpoint,
model, stream, the last user text exactly, the last message when it is not the user's,
the tools offered, a structured response format) and a ``reply`` that gives back what
came (``assemble``), an upstream error as ``error:`` with its retry headers, and, with
``timing``, the observed ``latency``.

Pure: no I/O. ``recfile`` names the rules, merges repeats into ``replies`` and writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from fakeopenai.recording import assemble
from fakeopenai.recording.exchange import ENDPOINT_NAMES, Exchange

# Response headers an error reply keeps: what clients read to decide on retrying.
RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
_TEMPLATE = ("{{", "{%", "{#")


@dataclass
class Recorded:
    """What one exchange adds to a recording: a rule (when ``key`` is set), models."""

    key: str | None  # the request's identity: the same key twice makes ``replies``
    name: str = ""
    match: dict[str, Any] = field(default_factory=dict)
    reply: dict[str, Any] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    note: str | None = None  # why nothing was recorded, or what was special


def convert(exchange: Exchange, *, timing: bool = False) -> Recorded:
    """The rule (or model list) that replays ``exchange``."""
    if exchange.endpoint == "models":
        return _models(exchange)
    if exchange.endpoint not in ENDPOINT_NAMES or not isinstance(exchange.request, dict):
        return Recorded(None, note=f"not an API exchange ({exchange.method} {exchange.endpoint})")
    match = match_of(exchange)
    if exchange.status >= 400:
        reply = error_reply(exchange)
    else:
        try:
            reply = _answer(exchange)
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            return Recorded(None, note=f"the answer is not the API's shape ({exc})")
        if not reply.keys() & {"content", "chunks", "refusal", "tool_calls", "embedding"}:
            reply = {"content": "", **reply}  # an empty answer, not "generate one"
        fault = fault_of(exchange, len(reply.get("chunks") or []))
        if fault is not None:
            reply["fault"] = fault
        _drop_defaults(reply, exchange.model)
    if timing:
        latency = latency_of(exchange)
        if latency:
            reply["latency"] = latency
    models = [exchange.model] if exchange.model and exchange.status < 400 else []
    key = json.dumps(match, sort_keys=True)
    return Recorded(key, name_of(exchange, match), match, _safe_text(reply), models)


def _models(exchange: Exchange) -> Recorded:
    if exchange.status >= 400 or not isinstance(exchange.body, dict):
        return Recorded(None, note=f"GET models answered {exchange.status}: not recorded")
    if exchange.model_id is not None:
        return Recorded(None, models=[str(exchange.body.get("id") or exchange.model_id)])
    ids = [str(m.get("id")) for m in exchange.body.get("data") or [] if isinstance(m, dict)]
    return Recorded(None, models=[i for i in ids if i])


def match_of(exchange: Exchange) -> dict[str, Any]:
    """The conditions that pick this request out again, as few as do it."""
    from fakeopenai import view as views

    body = exchange.request or {}
    endpoint = ENDPOINT_NAMES[exchange.endpoint]
    match: dict[str, Any] = {"endpoint": endpoint}
    if exchange.model:
        match["model"] = exchange.model
    if endpoint == "embeddings":
        match["json"] = {"input": body.get("input")}
        return match
    match["stream"] = body.get("stream") is True
    build = {
        "chat": views.chat_view,
        "responses": views.responses_view,
        "completions": views.completions_view,
    }[endpoint]
    view = build(body, {})
    if view.last_user is not None:
        match["last_user"] = {"equals": view.last_user}
    last = view.last_message
    if last is not None and last.role != "user":
        match["last_message"] = {"role": last.role, "equals": last.text}
    if view.tools:
        match["tools"] = view.tool_names
    if view.response_format in ("json_object", "json_schema"):
        match["response_format"] = view.response_format
    return match


def _answer(exchange: Exchange) -> dict[str, Any]:
    endpoint, body = exchange.endpoint, exchange.body
    if exchange.streamed:
        frames = exchange.frames
        if endpoint == "chat/completions":
            return assemble.chat_stream(frames)
        if endpoint == "responses":
            return assemble.responses_stream(frames)
        if endpoint == "completions":
            return assemble.completions_stream(frames)
    if not isinstance(body, dict):
        raise ValueError("the body is not a JSON object")
    if endpoint == "chat/completions":
        return assemble.chat_body(body)
    if endpoint == "responses":
        return assemble.responses_body(body)
    if endpoint == "completions":
        return assemble.completions_body(body)
    return assemble.embeddings_body(body)


def error_reply(exchange: Exchange) -> dict[str, Any]:
    """An upstream error → ``error: {status, message, type, code, param, headers}``."""
    body = exchange.body if isinstance(exchange.body, dict) else {}
    found = body.get("error")
    envelope: dict[str, Any] = found if isinstance(found, dict) else {}
    spec: dict[str, Any] = {"status": exchange.status}
    for key in ("message", "type", "code", "param"):
        value = envelope.get(key)
        if isinstance(value, str) and value:
            spec[key] = value
    headers = {
        name: value
        for name, value in exchange.headers.items()
        if name in RETRY_HEADERS or name.startswith("x-ratelimit-")
    }
    if headers:
        spec["headers"] = headers
    return {"error": spec}


def fault_of(exchange: Exchange, pieces: int) -> dict[str, int] | None:
    """How a stream broke: the connection dropped (``disconnect``), or a Chat or
    Completions stream closed cleanly without its ``[DONE]`` (``truncate``)."""
    if not exchange.streamed:
        return None
    if not exchange.complete:
        return {"disconnect_after": pieces}
    done = any(frame.data.strip() == "[DONE]" for frame in exchange.frames)
    if exchange.endpoint in ("chat/completions", "completions") and not done:
        return {"truncate_after": pieces}
    return None


def latency_of(exchange: Exchange) -> dict[str, float] | None:
    """``ttft_ms`` (the first frame, or the whole body) and, for a stream, the mean
    ``chunk_ms`` between its frames."""
    frames = [f for f in exchange.frames if f.data.strip() != "[DONE]"]
    if exchange.streamed and frames:
        latency = {"ttft_ms": round(frames[0].at_ms, 1)}
        if len(frames) > 1:
            latency["chunk_ms"] = round((frames[-1].at_ms - frames[0].at_ms) / (len(frames) - 1), 1)
        return latency
    total = exchange.total_ms if exchange.total_ms is not None else exchange.first_ms
    return {"ttft_ms": round(total, 1)} if total is not None else None


def name_of(exchange: Exchange, match: dict[str, Any]) -> str:
    """A readable name from the prompt: ``say-hello``, ``responses-say-hello-stream``."""
    text = (match.get("last_user") or {}).get("equals")
    if text is None and "json" in match:
        text = json.dumps(match["json"].get("input"))
    words = re.findall(r"[a-z0-9]+", (text or "").lower())[:6]
    parts = [] if match["endpoint"] == "chat" else [match["endpoint"]]
    parts.append("-".join(words) or "request")
    last = match.get("last_message")
    if last is not None:
        parts.append(f"after-{last['role']}")
    if match.get("stream"):
        parts.append("stream")
    return "-".join(parts)


def _drop_defaults(reply: dict[str, Any], model: str | None) -> None:
    """Leave out what a replay gives anyway: the request's model, the usual finish."""
    if reply.get("model") == model:
        reply.pop("model")
    usual = "tool_calls" if reply.get("tool_calls") else "stop"
    if reply.get("finish_reason") == usual:
        reply.pop("finish_reason")


def _safe_text(reply: dict[str, Any]) -> dict[str, Any]:
    """Recorded text is never a template: text holding ``{{``, ``{%`` or ``{#`` is
    wrapped in ``{% raw %}``, and its stream pieces are given up (the pieces could no
    longer join to the content)."""
    for key in ("content", "refusal"):
        text = reply.get(key)
        if key == "content" and text is None and reply.get("chunks"):
            text = "".join(reply["chunks"])
        if isinstance(text, str) and any(m in text for m in _TEMPLATE):
            reply[key] = literal(text)
            if key == "content":
                reply.pop("chunks", None)
    return reply


def literal(text: str) -> str:
    """A template that renders to ``text``: inside ``{% raw %}``, or — when the text
    itself ends a raw block — each opening marker as an expression (``{{ '{{' }}``)."""
    if "endraw" not in text:
        return "{% raw %}" + text + "{% endraw %}"
    return re.sub(r"\{[{%#]", lambda found: "{{ '" + found[0] + "' }}", text)
