"""Reading the fields of an OpenAI request body that a ``RequestView`` is built from.

Message content as text, ``tool_choice``, the response format and its schema, prompt
and embeddings inputs, and which items of a Responses input the model itself wrote.
Pure functions of the parsed JSON: they never raise on an unexpected shape (the
endpoints' checks refuse those before matching) and return plain values, so they
need nothing from ``view``. JSON objects are dicts, and are tested as ``dict``: a check
against the ``Mapping`` ABC costs several times more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "call_names",
    "content_text",
    "model_output",
    "response_format",
    "strings",
    "tool_choice",
]


def content_text(content: Any) -> str:
    """The text of a message ``content``: a string, or the text of its text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
                elif isinstance(part.get("refusal"), str):
                    parts.append(part["refusal"])
        return "".join(parts)
    return ""


def tool_choice(value: Any) -> str | None:
    """``"auto"`` / ``"none"`` / ``"required"``, or the forced function's name."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        function = value.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return str(function["name"])
        if isinstance(value.get("name"), str):  # Responses API: {"type": "function", "name"}
            return str(value["name"])
        kind = value.get("type")
        return str(kind) if isinstance(kind, str) else None
    return None


def response_format(value: Any) -> tuple[str | None, Mapping[str, Any] | None]:
    """``response_format`` (chat) or ``text.format`` (Responses) → (type, schema)."""
    if not isinstance(value, dict):
        return None, None
    kind = value.get("type")
    schema: Any = None
    if kind == "json_schema":
        inner = value.get("json_schema")
        schema = (inner if isinstance(inner, dict) else value).get("schema")
    return (
        kind if isinstance(kind, str) else None,
        schema if isinstance(schema, dict) else None,
    )


def model_output(kind: Any, role: Any) -> bool:
    """Whether a Responses input item is the model's own output, echoed back: an
    assistant message, reasoning, or a call (``function_call``, ``web_search_call``...)."""
    return (
        role == "assistant"
        or kind == "reasoning"
        or (isinstance(kind, str) and kind.endswith("_call"))
    )


def call_names(calls: Any, names: dict[Any, str]) -> None:
    """Add each ``tool_calls`` entry's id → function name to ``names``."""
    for call in calls if isinstance(calls, list) else ():
        if isinstance(call, dict):
            function = call.get("function")
            name = function.get("name") if isinstance(function, dict) else None
            if isinstance(name, str):
                names[call.get("id")] = name


def strings(value: Any) -> list[str]:
    """A prompt or embeddings input: a string, a list of strings, or token arrays."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return [" ".join(str(v) for v in value)]
        return [_one_string(v) for v in value]
    return []


def _one_string(value: Any) -> str:
    """One prompt or input: a string as is, a token array as its ids (never raises: the
    endpoint's checks refuse other shapes before matching)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(str(token) for token in value)
    return str(value)
