"""``POST responses``: the Responses API (WIRE.md §4), non-streamed and streamed."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.endpoints import Turn, conversation
from fakeopenai.endpoints.common import (
    RESPONSES_JSON_WORD,
    check_format,
    check_range,
    check_stream,
    check_tools,
    invalid_type,
    missing,
    require_json_word,
    stream_pieces,
)
from fakeopenai.scenario import Fault
from fakeopenai.view import RequestView, content_text, responses_view
from fakeopenai.wire import ids, obfuscation
from fakeopenai.wire.errors import SERVER_ERROR_MESSAGE
from fakeopenai.wire.responses import ItemIds, Meta, output_items, response_object, status_of
from fakeopenai.wire.responses_stream import error_event, stream_frames
from fakeopenai.wire.sse import Frame


def _item_ids(turn: Turn) -> ItemIds:
    calls = tuple(ids.item_id("fc_") for _ in turn.filled.tool_calls)
    return ItemIds(ids.item_id("msg_"), calls)


def _texts(body: Mapping[str, Any]) -> list[str]:
    """The text of ``instructions`` and of every input item (messages, tool outputs)."""
    texts = [content_text(body.get("instructions"))]
    items = body.get("input")
    if isinstance(items, str):
        return [*texts, items]
    for item in items if isinstance(items, list) else ():
        texts.append(content_text(item.get("content", item.get("output"))))
    return texts


class ResponsesEndpoint:
    """The Responses API: ``input`` and ``instructions`` in, ``output`` items out."""

    name = "responses"

    def validate(self, body: Mapping[str, Any]) -> None:
        model = body.get("model")
        if model is None:
            raise missing("model")
        if not isinstance(model, str):
            raise invalid_type("model", "a string", model)
        items = body.get("input")
        if items is not None and not isinstance(items, str | list):
            raise invalid_type("input", "one of a string or array of input items", items)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, dict):
                raise invalid_type(f"input[{index}]", "an object", item)
        instructions = body.get("instructions")
        if instructions is not None and not isinstance(instructions, str | list):
            raise invalid_type("instructions", "a string", instructions)
        check_stream(body)
        check_tools(body)
        check_range(body, "temperature", minimum=0, maximum=2, integer=False)
        check_range(body, "max_output_tokens", minimum=16)
        text = body.get("text")
        if text is not None and not isinstance(text, dict):
            raise invalid_type("text", "an object", text)
        kind = check_format((text or {}).get("format"), "text.format", nested_schema=False)
        if kind == "json_object":
            require_json_word(_texts(body), RESPONSES_JSON_WORD, "text.format")

    def validate_conversation(self, body: Mapping[str, Any]) -> None:
        """Each ``function_call_output`` answers a call (``endpoints.conversation``)."""
        conversation.check_responses(body)

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return responses_view(body, headers)

    def _meta(self, turn: Turn) -> Meta:
        return Meta(ids.item_id("resp_"), int(time.time()), turn.filled.model)

    def body(self, turn: Turn) -> dict[str, Any]:
        filled = turn.filled
        return response_object(
            filled,
            self._meta(turn),
            turn.view.body,
            status=status_of(filled),
            output=output_items(filled, _item_ids(turn)),
            completed_at=int(time.time()),
        )

    def frames(self, turn: Turn) -> Sequence[Frame]:
        pieces, arguments = stream_pieces(turn.filled, turn.reply)
        return stream_frames(
            turn.filled,
            self._meta(turn),
            turn.view.body,
            _item_ids(turn),
            text_pieces=pieces,
            argument_pieces=arguments,
            obfuscate=obfuscation.wanted(turn.view.body),
        )

    def fault_frame(self, fault: Fault, index: int) -> bytes | None:
        """An ``error_event`` fault as the Responses API's typed ``error`` event, striking
        before event ``index`` (so ``index`` is also its sequence number). Other faults
        keep the generic form (a malformed fault cuts the next event in half)."""
        if fault.error_event_after is None:
            return None
        message = fault.message or SERVER_ERROR_MESSAGE
        return error_event(message, fault.code or fault.type or "server_error", index).data
