"""Input items as the API stores them: each with an ``id`` and its full shape.

A request may send ``input: "text"`` or short messages (``{role, content: "text"}``);
what ``GET responses/{id}/input_items`` and conversation items return are full items:
``{id, type: message, role, status, content: [{type: input_text, text}]}``, function
call outputs with an id, and so on. Items that already carry an ``id`` keep it.
"""

from __future__ import annotations

from typing import Any

from fakeopenai.wire import ids

_PREFIXES = {"function_call": "fc_", "function_call_output": "fco_", "reasoning": "rs_"}


def _parts(role: str, content: Any) -> list[Any]:
    """A message's content as a list of parts (a string becomes one text part)."""
    if isinstance(content, list):
        return [_part(role, part) for part in content]
    text = content if isinstance(content, str) else ""
    return [_part(role, text)]


def _part(role: str, part: Any) -> Any:
    if isinstance(part, str):
        part = {"type": "input_text", "text": part}
    if not isinstance(part, dict):
        return part
    if role == "assistant" and part.get("type") in ("input_text", "output_text"):
        return {"annotations": [], "logprobs": [], **part, "type": "output_text"}
    return part


def stored_item(item: Any) -> dict[str, Any]:
    """One input item in its stored shape (a new dict; the request is left alone)."""
    if not isinstance(item, dict):
        return {"id": ids.item_id("msg_"), "type": "message", "role": "user", "content": []}
    kind = item.get("type", "message")
    if kind == "message" or (kind is None and "role" in item):
        role = str(item.get("role", "user"))
        stored = {
            "id": item.get("id") or ids.item_id("msg_"),
            "type": "message",
            "role": role,
            "status": item.get("status") or "completed",
            "content": _parts(role, item.get("content")),
        }
        return stored
    # (the request's keys first, then the id: an "id": null sent is given one)
    stored = {**item, "id": item.get("id") or ids.item_id(_PREFIXES.get(str(kind), "item_"))}
    if kind in ("function_call", "function_call_output") and not stored.get("status"):
        stored["status"] = "completed"
    return stored


def stored_input(value: Any) -> list[dict[str, Any]]:
    """A request's ``input`` (a string or a list of items) as stored items."""
    if isinstance(value, str):
        return [stored_item({"role": "user", "content": value})]
    if isinstance(value, list):
        return [stored_item(item) for item in value]
    return []


def page(
    items: list[dict[str, Any]], *, order: str, after: str | None, limit: int
) -> dict[str, Any]:
    """A list page as the API sends it: ``{object: list, data, first_id, last_id,
    has_more}``, newest first unless ``order`` is ``asc``, starting after ``after``."""
    ordered = items if order == "asc" else list(reversed(items))
    if after is not None:
        position = next((i for i, item in enumerate(ordered) if item.get("id") == after), None)
        ordered = ordered[position + 1 :] if position is not None else []
    data = ordered[:limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else "",
        "last_id": data[-1]["id"] if data else "",
        "has_more": len(ordered) > limit,
    }
