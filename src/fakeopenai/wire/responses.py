"""Responses API objects (WIRE.md §4.1): the ``response`` object and its output items.

The ``response`` object echoes the request's settings (``instructions``, ``tools``,
``tool_choice``, ``temperature``, ``text.format`` …) with the real API's defaults for
what was not sent, because clients read them back and strict validation requires
``parallel_tool_calls``, ``tool_choice`` and ``tools``. Usage carries both details
objects, ``input_tokens_details.cache_write_tokens`` included (openai-python 3.57
requires it). The stream events in ``wire.responses_stream`` reuse these builders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.families import Family, family_of
from fakeopenai.filled import Filled, TokenLogprob, TokenUsage
from fakeopenai.record import record


@record
class Meta:
    """What every event of one response shares: its id, creation time and model."""

    id: str
    created_at: int
    model: str


@record
class ItemIds:
    """The ids of one response's output items: the message and each function call."""

    message: str
    calls: tuple[str, ...]


# The real API's values for settings the request did not give (WIRE.md §4.1 capture).
_DEFAULTS: dict[str, Any] = {
    "background": False,
    "frequency_penalty": 0.0,
    "instructions": None,
    "max_output_tokens": None,
    "max_tool_calls": None,
    "parallel_tool_calls": True,
    "presence_penalty": 0.0,
    "previous_response_id": None,
    "prompt_cache_key": None,
    "prompt_cache_retention": None,
    "safety_identifier": None,
    "store": True,
    "temperature": 1.0,
    "tool_choice": "auto",
    "top_logprobs": 0,
    "top_p": 1.0,
    "truncation": "disabled",
    "user": None,
}

# finish_reason → (response status, incomplete_details.reason)
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def status_of(filled: Filled) -> str:
    """``completed``, or ``incomplete`` when the reply stopped on length or a filter."""
    return "incomplete" if filled.finish_reason in _INCOMPLETE else "completed"


def usage_object(usage: TokenUsage) -> dict[str, Any]:
    """``usage`` as the Responses API names it, with both details objects."""
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


def _tool(tool: Any) -> Any:
    """A function tool as the API echoes it (WIRE.md §9 row 8): ``type, description,
    name, parameters, strict`` in that order, and a strict tool's parameters closed with
    ``additionalProperties: false``; other tools as given."""
    if not isinstance(tool, Mapping) or tool.get("type") != "function":
        return tool
    strict = tool.get("strict", True)
    parameters = tool.get("parameters")
    if strict is True and isinstance(parameters, Mapping):
        parameters = {**parameters, "additionalProperties": False} | {
            k: v for k, v in parameters.items() if k == "additionalProperties"
        }
    echoed = {
        "type": "function",
        "description": tool.get("description"),
        "name": tool.get("name"),
        "parameters": parameters,
        "strict": strict,
    }
    return {**echoed, **{k: v for k, v in tool.items() if k not in echoed}}


def _text(request: Mapping[str, Any]) -> dict[str, Any]:
    given = request.get("text")
    text = dict(given) if isinstance(given, Mapping) else {}
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    return text


def _reasoning(request: Mapping[str, Any], family: Family) -> dict[str, Any]:
    """``reasoning`` with the family's effective values: gpt-5 says which context it
    used, reasoning models which effort."""
    given = request.get("reasoning")
    reasoning: dict[str, Any] = {}
    if family.reasoning_context is not None:
        reasoning["context"] = family.reasoning_context
    reasoning.update(given if isinstance(given, Mapping) else {})
    reasoning.setdefault("effort", family.reasoning_effort)
    reasoning.setdefault("summary", None)
    return reasoning


def echoed_settings(request: Mapping[str, Any], family: Family) -> dict[str, Any]:
    """The request's settings as the response object repeats them."""
    settings = {key: request.get(key, default) for key, default in _DEFAULTS.items()}
    if settings["instructions"] is not None and not isinstance(settings["instructions"], str):
        settings["instructions"] = None  # only the string form is echoed verbatim
    tools = request.get("tools")
    settings["tools"] = [_tool(t) for t in tools] if isinstance(tools, list) else []
    settings["text"] = _text(request)
    settings["reasoning"] = _reasoning(request, family)
    metadata = request.get("metadata")
    settings["metadata"] = dict(metadata) if isinstance(metadata, Mapping) else {}
    # A response made in a conversation names it ({"id": ...}: the SDK's
    # ``Response.conversation``), whether the request gave the id or the object.
    conversation = request.get("conversation")
    if isinstance(conversation, Mapping):
        conversation = conversation.get("id")
    if isinstance(conversation, str):
        settings["conversation"] = {"id": conversation}
    return settings


def token_logprobs(entries: Sequence[TokenLogprob] | None) -> list[dict[str, Any]]:
    """``output_text.logprobs``: one ``{token, logprob, bytes, top_logprobs}`` per
    token when the request's ``include`` asked for them, else ``[]``."""
    if not entries:
        return []
    return [
        {
            "token": entry.token,
            "logprob": entry.logprob,
            "bytes": list(entry.token.encode()),
            "top_logprobs": [
                {"token": token, "logprob": logprob, "bytes": list(token.encode())}
                for token, logprob in entry.top
            ],
        }
        for entry in entries
    ]


def text_part(filled: Filled, text: str | None = None) -> dict[str, Any]:
    """The message's content part: ``output_text``, or ``refusal`` for a refusal
    (``text`` given: as first announced in a stream, without logprobs yet)."""
    if filled.refusal is not None and filled.content is None:
        return {"type": "refusal", "refusal": filled.refusal if text is None else text}
    if text is not None:
        return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
    logprobs = token_logprobs(filled.logprobs)
    return {
        "type": "output_text",
        "annotations": [],
        "logprobs": logprobs,
        "text": filled.content or "",
    }


def has_message(filled: Filled) -> bool:
    """Whether the answer has a message item (text, a refusal, or nothing else at all)."""
    return filled.content is not None or filled.refusal is not None or not filled.tool_calls


def message_item(
    filled: Filled, item_id: str, status: str, *, empty: bool = False
) -> dict[str, Any]:
    """The assistant ``message`` output item (``empty``: as first announced in a stream);
    the gpt-5 family marks its ``phase``."""
    item: dict[str, Any] = {
        "id": item_id,
        "type": "message",
        "status": status,
        "content": [] if empty else [text_part(filled)],
    }
    phase = family_of(filled.model).phase
    if phase is not None:
        item["phase"] = phase
    item["role"] = "assistant"
    return item


def call_item(
    filled: Filled, index: int, item_id: str, status: str, arguments: str
) -> dict[str, Any]:
    """A ``function_call`` output item for ``filled.tool_calls[index]``."""
    call = filled.tool_calls[index]
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call.id,
        "name": call.name,
    }


def output_items(filled: Filled, ids: ItemIds) -> list[dict[str, Any]]:
    """Every output item of the finished answer: the message first, then the calls."""
    status = "incomplete" if status_of(filled) == "incomplete" else "completed"
    items = [message_item(filled, ids.message, status)] if has_message(filled) else []
    for index, call in enumerate(filled.tool_calls):
        items.append(call_item(filled, index, ids.calls[index], "completed", call.arguments))
    return items


# The object's keys in the order the API sends them: alphabetical after the first four,
# ``metadata`` last (WIRE.md §4.1 capture).
_HEAD = ("id", "object", "created_at", "status")


def response_object(
    filled: Filled,
    meta: Meta,
    request: Mapping[str, Any],
    *,
    status: str,
    output: list[dict[str, Any]],
    completed_at: int | None = None,
) -> dict[str, Any]:
    """The ``response`` object; ``usage`` only once it is finished (null in progress).

    As recorded (WIRE.md §9 row 7), the in-progress objects of a stream's
    ``response.created`` and ``response.in_progress`` carry no ``billing`` and say
    ``service_tier: "auto"``; the finished object says ``"default"``.
    """
    done = status in ("completed", "incomplete")
    reason = _INCOMPLETE.get(filled.finish_reason) if status == "incomplete" else None
    settings = echoed_settings(request, family_of(meta.model))
    metadata = settings.pop("metadata")
    fields: dict[str, Any] = {
        **settings,
        "completed_at": completed_at if done else None,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "model": meta.model,
        "moderation": None,
        "output": output,
        "service_tier": "default" if done else "auto",
        "usage": usage_object(filled.usage) if done else None,
    }
    if done:
        fields["billing"] = {"payer": "developer"}
    body: dict[str, Any] = {
        "id": meta.id,
        "object": "response",
        "created_at": meta.created_at,
        "status": status,
    }
    for key in sorted(fields):
        body[key] = fields[key]
    body["metadata"] = metadata
    return body
