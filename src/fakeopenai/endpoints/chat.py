"""``POST chat/completions``: checks, view, body and frames."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.endpoints import Turn, conversation
from fakeopenai.endpoints.common import (
    CHAT_JSON_WORD,
    check_format,
    check_range,
    check_stream,
    check_tools,
    include_usage,
    invalid_type,
    missing,
    require_json_word,
    require_model,
    stream_pieces,
)
from fakeopenai.families import family_of
from fakeopenai.respond import ApiError
from fakeopenai.view import RequestView, chat_view, content_text
from fakeopenai.wire import chat, chat_stream, ids, obfuscation
from fakeopenai.wire.sse import Frame

ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_ROLE_LIST = "'system', 'assistant', 'user', 'function', 'tool', and 'developer'"


class ChatEndpoint:
    """Chat Completions (WIRE.md §1)."""

    name = "chat"

    def validate(self, body: Mapping[str, Any]) -> None:
        require_model(body)
        if "messages" not in body:
            raise missing("messages")
        messages = body["messages"]
        if not isinstance(messages, list):
            raise invalid_type("messages", "an array of objects", messages)
        if not messages:
            raise ApiError(
                400,
                "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead.",
                param="messages",
                code="empty_array",
            )
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                raise invalid_type(f"messages[{index}]", "an object", message)
            if "role" not in message:
                raise missing(f"messages[{index}].role")
            role = message["role"]
            if role not in ROLES:
                raise ApiError(
                    400,
                    f"Invalid value: {role!r}. Supported values are: {_ROLE_LIST}.",
                    param=f"messages[{index}].role",
                    code="invalid_value",
                )
            _check_content(message, index)
        check_stream(body)
        check_tools(body, chat=True)
        check_range(body, "n", minimum=1, maximum=128)
        check_range(body, "temperature", minimum=0, maximum=2, integer=False)
        check_range(body, "top_logprobs", minimum=0, maximum=20)
        for key in ("max_tokens", "max_completion_tokens"):
            check_range(body, key, minimum=1)
        kind = check_format(body.get("response_format"), "response_format", nested_schema=True)
        if kind == "json_object":
            texts = [content_text(m.get("content")) for m in messages]
            require_json_word(texts, CHAT_JSON_WORD, "messages")

    def validate_conversation(self, body: Mapping[str, Any]) -> None:
        """The tool turns of the history pair up (``endpoints.conversation``)."""
        conversation.check_chat(body["messages"])

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return chat_view(body, headers)

    def _meta(self, turn: Turn, *, stream: bool = False) -> chat.Meta:
        model = turn.filled.model
        fingerprint = ids.fingerprint() if family_of(model).fingerprint else None
        obfuscate = stream and obfuscation.wanted(turn.view.body)
        return chat.Meta(ids.chat_id(), int(time.time()), model, fingerprint, obfuscate)

    def body(self, turn: Turn) -> dict[str, Any]:
        return chat.completion(turn.filled, self._meta(turn))

    def encoded(self, turn: Turn) -> bytes:
        """``body`` as bytes, a fixed reply's from its cached skeleton."""
        return chat.completion_bytes(turn.filled, self._meta(turn))

    def frames(self, turn: Turn) -> Sequence[Frame]:
        first, *others = [stream_pieces(choice, turn.reply) for choice in turn.filled.choices]
        return chat_stream.stream_frames(
            turn.filled,
            self._meta(turn, stream=True),
            content_pieces=first[0],
            argument_pieces=first[1],
            include_usage=include_usage(turn.view.body),
            other_pieces=others,
        )


def _check_content(message: Mapping[str, Any], index: int) -> None:
    """``content`` is a string or an array of parts; only an assistant message that
    carries tool calls (or a function call) may leave it out or send null."""
    content = message.get("content")
    if type(content) is str:  # the usual message, checked first (it runs per message)
        return
    param = f"messages[{index}].content"
    if content is None:
        calls = message.get("tool_calls") or message.get("function_call")
        if message["role"] == "assistant" and (calls or "refusal" in message):
            return
        if "content" not in message:
            raise missing(param)
        raise invalid_type(param, "one of a string or array of objects", content)
    if not isinstance(content, str | list):
        raise invalid_type(param, "one of a string or array of objects", content)
