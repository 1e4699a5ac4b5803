"""Stored responses and the Conversations API (SPEC §6), over ``conversations.State``.

``GET``/``DELETE responses/{id}``, ``GET responses/{id}/input_items``; ``POST
conversations``, ``GET``/``POST``/``DELETE conversations/{id}``, ``GET``/``POST
conversations/{id}/items``, ``GET``/``DELETE conversations/{id}/items/{item}``. Shapes and
errors are the real API's (the SDK's ``Response``, ``ResponseItemList``,
``Conversation``, ``ConversationItemList``, ``ConversationDeletedResource`` validate
them strictly). Any base prefix, as for the other endpoints.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread

from fakeopenai.budgets.limits import LARGE_BODY
from fakeopenai.conversations.history import conversation_not_found
from fakeopenai.conversations.items import page, stored_input
from fakeopenai.conversations.store import Conversation
from fakeopenai.endpoints.common import invalid_type, invalid_value, missing
from fakeopenai.guards import check_key, parse_json, read_body
from fakeopenai.journal import Entry
from fakeopenai.respond import Answer, ApiError, json_response
from fakeopenai.settings import Core
from fakeopenai.wire import ids
from fakeopenai.wire.sse import body_bytes

_PREFIX = r"^/(?:v1/|openai/v1/|openai/deployments/[^/]+/|openai/)?"
_RESPONSE = re.compile(_PREFIX + r"responses/(?P<id>[^/]+)(?P<items>/input_items)?/?$")
_CONVERSATION = re.compile(
    _PREFIX + r"conversations(?:/(?P<id>[^/]+)(?:/(?P<items>items)(?:/(?P<item>[^/]+))?)?)?/?$"
)
MAX_NEW_ITEMS = 20  # items one POST may add, as the API allows

Body = Callable[[], Awaitable[Mapping[str, Any]]]  # reads and parses the request body


def _query(raw: bytes) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(raw.decode("latin-1")).items()}


def _listing(items: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_value("order", order, ["asc", "desc"])
    limit_text = query.get("limit", "20")
    if not limit_text.isdigit():
        raise invalid_type("limit", "an integer", limit_text)
    limit = int(limit_text)
    if not 1 <= limit <= 100:
        raise ApiError(
            400,
            f"Invalid 'limit': integer out of range. Expected a value between 1 and 100, "
            f"but got {limit} instead.",
            param="limit",
            code="integer_out_of_range",
        )
    return page(items, order=order, after=query.get("after"), limit=limit)


def _response_not_found(response_id: str) -> ApiError:
    return ApiError(404, f"Response with id '{response_id}' not found.", code=None)


def _responses(core: Core, method: str, found: re.Match[str], query: Mapping[str, str]) -> Any:
    response_id = found["id"]
    if method == "DELETE" and not found["items"]:
        if not core.state.forget(response_id):
            raise _response_not_found(response_id)
        return {"id": response_id, "object": "response.deleted", "deleted": True}
    stored = core.state.response(response_id)
    if method != "GET":
        return None
    if stored is None:
        raise _response_not_found(response_id)
    if found["items"]:
        return _listing(stored.input_items, query)
    return stored.response


def _new_items(body: Mapping[str, Any], *, required: bool) -> list[dict[str, Any]]:
    items = body.get("items")
    if items is None:
        if required:
            raise missing("items")
        return []
    if not isinstance(items, list):
        raise invalid_type("items", "an array", items)
    if len(items) > MAX_NEW_ITEMS:
        raise ApiError(
            400,
            f"Invalid 'items': array too long. Expected an array with maximum length "
            f"{MAX_NEW_ITEMS}, but got an array with length {len(items)} instead.",
            param="items",
            code="array_above_max_length",
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid_type(f"items[{index}]", "an object", item)
    return stored_input(items)


def _metadata(body: Mapping[str, Any], *, required: bool) -> dict[str, Any] | None:
    metadata = body.get("metadata")
    if metadata is None:
        if required:
            raise missing("metadata")
        return None
    if not isinstance(metadata, dict):
        raise invalid_type("metadata", "an object", metadata)
    return dict(metadata)


async def _conversations(
    core: Core, method: str, found: re.Match[str], query: Mapping[str, str], body: Body
) -> Any:
    state = core.state
    conversation_id, item_id = found["id"], found["item"]
    if conversation_id is None:
        if method != "POST":
            return None
        data = await body()
        metadata = _metadata(data, required=False) or {}
        items = _new_items(data, required=False)  # (checked before anything is kept)
        new = Conversation(ids.item_id("conv_"), int(time.time()), metadata)
        state.open(new)
        state.append(new, items)
        return new.wire()
    conversation = state.conversation(conversation_id)
    if conversation is None:
        raise conversation_not_found(conversation_id)
    if not found["items"]:
        if method == "GET":
            return conversation.wire()
        if method == "DELETE":
            state.close(conversation_id)
            return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}
        if method == "POST":
            conversation.metadata = _metadata(await body(), required=True) or {}
            return conversation.wire()
        return None
    if item_id is None:
        if method == "GET":
            return _listing(state.items(conversation), query)
        if method == "POST":
            added = _new_items(await body(), required=True)
            state.append(conversation, added)
            return page(added, order="asc", after=None, limit=len(added) or 1)
        return None
    return _one_item(core, conversation, method, item_id)


def _one_item(core: Core, conversation: Conversation, method: str, item_id: str) -> Any:
    item = next((i for i in core.state.items(conversation) if i["id"] == item_id), None)
    if item is None or method not in ("GET", "DELETE"):
        if method not in ("GET", "DELETE"):
            return None
        raise ApiError(404, f"Item with id '{item_id}' not found.", code=None)
    if method == "GET":
        return item
    core.state.remove_item(conversation, item_id)
    return conversation.wire()


def stored_route(path: str) -> tuple[str, re.Match[str]] | None:
    """``("responses" | "conversations", match)`` for a state path, else None."""
    found = _RESPONSE.match(path)
    if found is not None:
        return "responses", found
    found = _CONVERSATION.match(path)
    return None if found is None else ("conversations", found)


async def answer_stored(
    core: Core, method: str, routed: tuple[str, re.Match[str]], query_string: bytes, body: Body
) -> Any:
    """The JSON answer to a state route (``stored_route``); None when the method is not
    one it takes (the caller answers its 404). Raises ``ApiError``."""
    kind, found = routed
    query = _query(query_string)
    if kind == "responses":
        return _responses(core, method, found, query)
    return await _conversations(core, method, found, query, body)


async def answer_state(
    core: Core,
    request: tuple[str, str, bytes],
    receive: Any,
    headers: dict[str, str],
    entry: Entry,
    *,
    timeout: float | None,
) -> Answer:
    """Answer ``(method, path, query string)`` if it is a state route, else the API's
    404 for an unknown URL. ``timeout``: for the body (``guards.read_body``)."""
    method, path, query = request
    routed = stored_route(path)
    if routed is None:
        raise ApiError(404, f"Invalid URL ({method} {path})")
    check_key(core.settings, headers)

    async def body() -> dict[str, Any]:
        raw = await read_body(receive, headers, core.settings.max_body, timeout)
        if len(raw) > LARGE_BODY:  # (a 30 MB item list: seconds of parsing)
            parsed = await anyio.to_thread.run_sync(parse_json, raw)
        else:
            parsed = parse_json(raw)
        core.journal.keep_body(entry, parsed, len(raw))  # cut and counted, as any body
        return parsed

    entry.endpoint = routed[0]
    answer = await answer_stored(core, method, routed, query, body)
    if answer is None:
        raise ApiError(404, f"Invalid URL ({method} {path})")
    # Encoded in a worker thread: a page of stored items may hold megabytes of input.
    # These routes are not the hot path; the thread's ~0.1 ms buys a loop never held.
    return json_response(await anyio.to_thread.run_sync(body_bytes, answer), entry)
