"""A plain, endpoint-neutral view of an API request, for matching and generation.

The Chat Completions, Responses, legacy Completions and Embeddings bodies all become a
``RequestView``: a list of ``(role, text)`` messages, the tools offered, the requested
response format. Matching and generation read only this, so one rule can answer any
endpoint. Built once per request from the parsed JSON body; no I/O, no validation
(the app's guards have already checked what must be there). JSON objects are dicts, and
are tested as ``dict``: a check against the ``Mapping`` ABC costs several times more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fakeopenai.bodyfields import (
    call_names,
    content_text,
    model_output,
    response_format,
    strings,
    tool_choice,
)
from fakeopenai.record import record

__all__ = [
    "SYSTEM_ROLES",
    "Message",
    "RequestView",
    "ToolResult",
    "ToolSpec",
    "chat_view",
    "completions_view",
    "content_text",
    "embeddings_view",
    "responses_view",
]

SYSTEM_ROLES = ("system", "developer")


@record
class Message:
    """One message: its role and its text (text parts of a list content joined)."""

    role: str
    text: str


@record
class ToolSpec:
    """A function tool the request offers."""

    name: str
    parameters: Mapping[str, Any]
    strict: bool = False


@record
class ToolResult:
    """One tool answer in the history: the function its call named (``None`` when no
    call in the request has its id), the call id, and the answer's text."""

    name: str | None
    call_id: str | None
    content: str


@dataclass(slots=True)
class RequestView:
    """What a rule can match on and a generator can read."""

    endpoint: str
    model: str | None
    stream: bool
    messages: list[Message]
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str | None = None
    response_format: str | None = None
    response_schema: Mapping[str, Any] | None = None
    inputs: list[str] = field(default_factory=list)
    scenario: str | None = None
    session: str | None = None
    tool_results: list[ToolResult] = field(default_factory=list)
    turns: int = 0  # assistant turns already in the history

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def last_user(self) -> str | None:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return None

    @property
    def system(self) -> str | None:
        texts = [m.text for m in self.messages if m.role in SYSTEM_ROLES]
        return "\n".join(texts) if texts else None

    @property
    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.tools]


def _tools(value: Any) -> list[ToolSpec]:
    """Function tools, in the chat (nested) or Responses (flat) shape."""
    tools: list[ToolSpec] = []
    if not isinstance(value, list):
        return tools
    for tool in value:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        spec: Mapping[str, Any] = function if isinstance(function, dict) else tool
        name = spec.get("name")
        if isinstance(name, str):
            params = spec.get("parameters")
            tools.append(
                ToolSpec(
                    name=name,
                    parameters=params if isinstance(params, dict) else {},
                    strict=bool(spec.get("strict")),
                )
            )
    return tools


def _common(endpoint: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
    model = body.get("model")
    tools = _tools(body.get("tools"))
    return RequestView(
        endpoint=endpoint,
        model=model if isinstance(model, str) else None,
        stream=body.get("stream") is True,
        messages=[],
        body=body,
        headers=headers,
        tools=tools,
        # The API's default is "auto" when tools are offered, so a rule matching
        # tool_choice: auto matches a request that leaves it out.
        tool_choice=tool_choice(body.get("tool_choice")) or ("auto" if tools else None),
        scenario=headers.get("x-fakeopenai-scenario"),
        session=headers.get("x-fakeopenai-session"),
    )


def chat_view(body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
    """Chat Completions: ``messages`` as they are."""
    view = _common("chat", body, headers)
    names: dict[Any, str] = {}  # call id → function name, from the assistant's tool_calls
    for message in body.get("messages") or ():
        if isinstance(message, dict):
            role = message.get("role")
            text = content_text(message.get("content"))
            view.messages.append(Message(str(role), text))
            if role == "assistant":
                view.turns += 1
                call_names(message.get("tool_calls"), names)
            elif role == "tool":
                call_id = message.get("tool_call_id")
                key = call_id if isinstance(call_id, str) else None
                view.tool_results.append(ToolResult(names.get(key), key, text))
            elif role == "function":  # the legacy form names its function itself
                name = message.get("name")
                view.tool_results.append(
                    ToolResult(name if isinstance(name, str) else None, None, text)
                )
    view.response_format, view.response_schema = response_format(body.get("response_format"))
    return view


def responses_view(body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
    """Responses API: ``instructions`` is the system message; ``input`` the messages."""
    view = _common("responses", body, headers)
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        view.messages.append(Message("system", instructions))
    items = body.get("input")
    if isinstance(items, str):
        view.messages.append(Message("user", items))
    elif isinstance(items, list):
        names: dict[Any, str] = {}
        answering = False  # inside a run of output items (one assistant turn)
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            role = item.get("role")
            output = model_output(kind, role)
            if output and not answering:
                view.turns += 1
            answering = output
            if kind == "function_call_output":
                answer = content_text(item.get("output"))
                view.messages.append(Message("tool", answer))
                call_id = item.get("call_id")
                key = call_id if isinstance(call_id, str) else None
                view.tool_results.append(ToolResult(names.get(key), key, answer))
            elif kind == "function_call":
                # An earlier call echoed back (the Agents SDK does): in chat terms an
                # assistant message with tool_calls and no text.
                view.messages.append(Message("assistant", ""))
                name = item.get("name")
                if isinstance(name, str):
                    names[item.get("call_id")] = name
            elif isinstance(role, str):
                view.messages.append(Message(role, content_text(item.get("content"))))
    text = body.get("text")
    if isinstance(text, dict):
        view.response_format, view.response_schema = response_format(text.get("format"))
    return view


def completions_view(body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
    """Legacy Completions: each prompt is a user message."""
    view = _common("completions", body, headers)
    view.inputs = strings(body.get("prompt"))
    view.messages = [Message("user", text) for text in view.inputs]
    return view


def embeddings_view(body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
    """Embeddings: each input is a user message (so text conditions still work)."""
    view = _common("embeddings", body, headers)
    view.inputs = strings(body.get("input"))
    view.messages = [Message("user", text) for text in view.inputs]
    return view
