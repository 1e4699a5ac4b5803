"""Conversation-integrity checks: the 400s the real API answers to broken histories.

Agent loops that lose or reorder a tool result pass against a lenient fake and fail
against the real API; these checks make them fail here too, with the real texts (the
API's own spelling included: "preceeding", ``messages.[i].role``). They run after the
endpoint's ``validate`` unless the server was started with
``validate_conversation=False``.

Chat: every ``tool`` message has a ``tool_call_id`` and answers a call of the assistant
message with ``tool_calls`` just before it (other tool messages may sit between), and
every such call is answered before the next non-tool message. Responses: a
``function_call_output`` answers a call found in the same ``input`` (the Agents SDK echoes
earlier ``function_call`` items there); with ``previous_response_id`` or a
``conversation`` the call may live server-side, so ``conversations.history`` checks it
against the stored history instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.endpoints.common import invalid_type, missing
from fakeopenai.respond import ApiError


def _not_preceded(index: int) -> ApiError:
    return ApiError(
        400,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'.",
        param=f"messages.[{index}].role",
    )


def _unknown_id(index: int, call_id: Any) -> ApiError:
    return ApiError(
        400,
        f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of "
        "previous message.",
        param=f"messages.[{index}].tool_call_id",
    )


def _unanswered(index: int, call_ids: Sequence[str]) -> ApiError:
    # param names the assistant message whose calls went unanswered
    return ApiError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(call_ids),
        param=f"messages.[{index}].role",
    )


def _call_ids(message: Mapping[str, Any]) -> list[str] | None:
    """The ids of an assistant message's tool calls (``None``: it makes none)."""
    calls = message.get("tool_calls")
    if message.get("role") != "assistant" or not isinstance(calls, list) or not calls:
        return None
    return [c["id"] for c in calls if isinstance(c, dict) and isinstance(c.get("id"), str)]


def check_chat(messages: Sequence[Any]) -> None:
    """Raise the real API's 400 for a chat history whose tool turns do not pair up."""
    asked_at: int | None = None  # index of the assistant message whose calls are open
    asked: list[str] = []
    unanswered: list[str] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":
            if "tool_call_id" not in message:
                raise missing(f"messages[{index}].tool_call_id")
            if asked_at is None:
                raise _not_preceded(index)
            call_id = message["tool_call_id"]
            if call_id not in asked:
                raise _unknown_id(index, call_id)
            unanswered = [c for c in unanswered if c != call_id]
            continue
        if asked_at is not None and unanswered:
            raise _unanswered(asked_at, unanswered)
        ids = _call_ids(message)
        asked_at = None if ids is None else index
        asked, unanswered = list(ids or ()), list(ids or ())
    if asked_at is not None and unanswered:
        raise _unanswered(asked_at, unanswered)


def check_responses(body: Mapping[str, Any]) -> None:
    """Raise the real API's 400 for a ``function_call_output`` without its call."""
    if body.get("previous_response_id") or body.get("conversation"):
        return
    items = body.get("input")
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, dict) and "call_id" in item and not isinstance(item["call_id"], str):
            raise invalid_type(f"input[{index}].call_id", "a string", item["call_id"])
    calls = {
        item.get("call_id")
        for item in items
        if isinstance(item, dict) and not str(item.get("type", "")).endswith("_output")
    }
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "function_call_output":
            continue
        if "call_id" not in item:
            raise missing(f"input[{index}].call_id")
        if item["call_id"] not in calls:
            raise ApiError(
                400,
                f"No tool call found for function call output with call_id {item['call_id']}.",
                param="input",
            )
