"""``POST responses`` with state: the history a request continues, and keeping its answer.

``prepare`` runs before matching: with ``previous_response_id`` the stored chain's
inputs and outputs, or with ``conversation`` the conversation's items, come before the
request's own input, so rules and templates see the whole conversation (``turn``,
``tool_result`` ...), as the model does. ``keep`` runs once the answer is made: the
response is stored (unless ``store: false``) and a conversation gets the new input and
output items. Unknown ids get the real API's errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fakeopenai.conversations.items import stored_input
from fakeopenai.conversations.store import Conversation, State, StoredResponse
from fakeopenai.respond import ApiError


@dataclass
class Pending:
    """What to keep once the answer to a Responses request is made."""

    store: bool
    input_items: list[dict[str, Any]]
    previous: str | None
    conversation: Conversation | None


def _conversation_id(value: Any) -> str:
    """``conversation``: an id, or ``{id}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    raise ApiError(
        400,
        "Invalid type for 'conversation': expected a string or an object with an 'id'.",
        param="conversation",
        code="invalid_type",
    )


def conversation_not_found(conversation_id: str, param: str | None = None) -> ApiError:
    return ApiError(
        404, f"Conversation with id '{conversation_id}' not found.", param=param, code=None
    )


def prepare(
    state: State, body: dict[str, Any], *, check: bool = True
) -> tuple[dict[str, Any], Pending | None]:
    """The body rules see (history first) and what to keep afterwards (None: nothing).
    With ``check``, a ``function_call_output`` must answer a call of the history or the
    request (the API's 400 otherwise; ``endpoints.conversation`` checks requests that
    continue nothing)."""
    previous = body.get("previous_response_id")
    given = body.get("conversation")
    store = body.get("store") is not False
    if previous is None and given is None and not store:
        return body, None  # the common stateless case costs nothing
    if previous is not None and given is not None:
        raise ApiError(
            400,
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            code="mutually_exclusive_parameters",
        )
    history: list[dict[str, Any]] = []
    conversation = None
    if previous is not None:
        if not isinstance(previous, str):
            raise ApiError(
                400,
                "Invalid type for 'previous_response_id': expected a string.",
                param="previous_response_id",
                code="invalid_type",
            )
        found = state.history(previous)
        if found is None:
            raise ApiError(
                400,
                f"Previous response with id '{previous}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        history = found
    elif given is not None:
        conversation_id = _conversation_id(given)
        conversation = state.conversation(conversation_id)
        if conversation is None:
            raise conversation_not_found(conversation_id, "conversation")
        history = state.items(conversation)
    own = stored_input(body.get("input"))
    pending = Pending(store, own, previous, conversation)
    if check and (previous is not None or conversation is not None):
        _answers_a_call(history + own)
    if not history:
        return body, pending
    return {**body, "input": history + own}, pending


def may_continue(raw: bytes) -> bool:
    """Whether a Responses body (still unparsed) may continue stored state: a look for
    the keys, so a rare false positive costs a thread hop, never a wrong answer."""
    return b'"previous_response_id"' in raw or b'"conversation"' in raw


def _answers_a_call(items: list[dict[str, Any]]) -> None:
    calls = {item.get("call_id") for item in items if item.get("type") == "function_call"}
    for item in items:
        if item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            raise ApiError(
                400,
                f"No tool call found for function call output with call_id {item.get('call_id')}.",
                param="input",
            )


def keep(state: State, pending: Pending, endpoint: Any, turn: Any) -> Any:
    """Fix the answer's ids (``ResponsesEndpoint.with_ids``: the stored copy is the one
    sent), store it (``store`` true) and add its turn to the conversation; returns the
    turn with its ids."""
    turn = endpoint.with_ids(turn)
    response: dict[str, Any] = endpoint.body(turn)
    if pending.store:
        state.keep(StoredResponse(response, pending.input_items, pending.previous))
    if pending.conversation is not None:
        state.append(pending.conversation, pending.input_items + list(response.get("output") or []))
    return turn
