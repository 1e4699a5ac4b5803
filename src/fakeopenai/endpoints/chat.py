"""``POST chat/completions``: checks, view, body and frames."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from fakeopenai.endpoints import Turn
from fakeopenai.endpoints.common import (
    check_stream,
    check_tools,
    include_usage,
    invalid_type,
    missing,
    require_model,
)
from fakeopenai.respond import ApiError
from fakeopenai.view import RequestView, chat_view
from fakeopenai.wire import chat, ids
from fakeopenai.wire.chunking import split, split_arguments
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
        check_stream(body)
        check_tools(body)

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return chat_view(body, headers)

    def _meta(self, turn: Turn) -> chat.Meta:
        return chat.Meta(ids.chat_id(), int(time.time()), turn.filled.model, ids.fingerprint())

    def body(self, turn: Turn) -> dict[str, Any]:
        return chat.completion(turn.filled, self._meta(turn))

    def frames(self, turn: Turn) -> list[Frame]:
        filled, reply = turn.filled, turn.reply
        if reply.chunks is not None:
            pieces = list(reply.chunks)
        else:
            pieces = split(filled.content or filled.refusal or "", reply.chunking)
        arguments = [split_arguments(c.arguments, reply.chunking) for c in filled.tool_calls]
        return chat.stream_frames(
            filled,
            self._meta(turn),
            content_pieces=pieces,
            argument_pieces=arguments,
            include_usage=include_usage(turn.view.body),
        )
