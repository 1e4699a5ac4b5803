"""The Responses API's streamed events (WIRE.md §4.2), with ``event: <type>`` lines.

``response.created`` and ``response.in_progress`` first, then per output item
``output_item.added`` → its content events → ``output_item.done``, and last
``response.completed`` (or ``response.incomplete`` when the reply stopped on length or
a content filter). ``sequence_number`` runs 0..n over the events in order, the same
response id is on every lifecycle event, and there is no ``[DONE]``. Text deltas and
function-call argument deltas are the content frames stream faults count.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.filled import Filled, logprobs_by_piece
from fakeopenai.wire.obfuscation import pad
from fakeopenai.wire.responses import (
    ItemIds,
    Meta,
    call_item,
    has_message,
    message_item,
    output_items,
    response_object,
    status_of,
    text_part,
    token_logprobs,
)
from fakeopenai.wire.sse import Frame, Frames, event_frame

Event = tuple[dict[str, Any], bool]  # (payload without sequence_number, is content)


def _message_events(
    filled: Filled, item_id: str, output_index: int, pieces: Sequence[str], obfuscate: bool
) -> list[Event]:
    """The message item: added, its one content part, the deltas, and the dones."""
    refusal = filled.refusal is not None and filled.content is None
    kind = "response.refusal" if refusal else "response.output_text"
    whole = filled.refusal if refusal else filled.content
    at = {"item_id": item_id, "output_index": output_index}
    part_at = {"content_index": 0, **at}
    done_status = "incomplete" if status_of(filled) == "incomplete" else "completed"
    events: list[Event] = [
        (
            {
                "type": "response.output_item.added",
                "item": message_item(filled, item_id, "in_progress", empty=True),
                "output_index": output_index,
            },
            False,
        ),
        ({"type": "response.content_part.added", **part_at, "part": text_part(filled, "")}, False),
    ]
    per_piece: Sequence[Any] = [()] * len(pieces)
    if filled.logprobs is not None and not refusal:
        per_piece = logprobs_by_piece(filled.logprobs, pieces)
    for piece, entries in zip(pieces, per_piece, strict=True):
        # keys in the recorded order (alphabetical after type), the padding among them
        delta: dict[str, Any] = {"type": f"{kind}.delta", "content_index": 0, "delta": piece}
        delta["item_id"] = item_id
        if not refusal:
            delta["logprobs"] = token_logprobs(entries)
        if obfuscate:
            delta["obfuscation"] = pad(len(piece))
        delta["output_index"] = output_index
        events.append((delta, True))
    if refusal:
        events.append(({"type": "response.refusal.done", **part_at, "refusal": whole}, False))
    else:
        done = {
            "type": "response.output_text.done",
            "content_index": 0,
            "item_id": item_id,
            "logprobs": token_logprobs(filled.logprobs),
            "output_index": output_index,
            "text": whole or "",  # after sequence_number on the wire (_event_bytes)
        }
        events.append((done, False))
    events.append(
        ({"type": "response.content_part.done", **part_at, "part": text_part(filled)}, False)
    )
    item = message_item(filled, item_id, done_status)
    events.append(
        ({"type": "response.output_item.done", "item": item, "output_index": output_index}, False)
    )
    return events


def _call_events(
    filled: Filled,
    index: int,
    item_id: str,
    output_index: int,
    pieces: Sequence[str],
    *,
    obfuscate: bool,
) -> list[Event]:
    """One function call item: added (empty arguments), argument deltas, dones."""
    call = filled.tool_calls[index]
    at = {"item_id": item_id, "output_index": output_index}
    added = call_item(filled, index, item_id, "in_progress", "")
    events: list[Event] = [
        ({"type": "response.output_item.added", "item": added, "output_index": output_index}, False)
    ]
    for piece in pieces:
        delta: dict[str, Any] = {"type": "response.function_call_arguments.delta", "delta": piece}
        delta["item_id"] = item_id
        if obfuscate:
            delta["obfuscation"] = pad(len(piece))
        delta["output_index"] = output_index
        events.append((delta, True))
    done = {
        "type": "response.function_call_arguments.done",
        **at,
        "name": call.name,
        "arguments": call.arguments,
    }
    events.append((done, False))
    item = call_item(filled, index, item_id, "completed", call.arguments)
    events.append(
        ({"type": "response.output_item.done", "item": item, "output_index": output_index}, False)
    )
    return events


def stream_frames(
    filled: Filled,
    meta: Meta,
    request: Mapping[str, Any],
    ids: ItemIds,
    *,
    text_pieces: Sequence[str],
    argument_pieces: Sequence[Sequence[str]],
    obfuscate: bool = False,
) -> Frames:
    """Every event of a streamed response, numbered 0..n (made as they go out); delta
    events carry the ``obfuscation`` padding when ``obfuscate``."""
    started = response_object(filled, meta, request, status="in_progress", output=[])
    events: list[Event] = [
        ({"type": "response.created", "response": started}, False),
        ({"type": "response.in_progress", "response": started}, False),
    ]
    output_index = 0
    if has_message(filled):
        events += _message_events(filled, ids.message, output_index, text_pieces, obfuscate)
        output_index += 1
    for index, call in enumerate(filled.tool_calls):
        pieces = argument_pieces[index] if index < len(argument_pieces) else [call.arguments]
        events += _call_events(
            filled, index, ids.calls[index], output_index, pieces, obfuscate=obfuscate
        )
        output_index += 1
    status = status_of(filled)
    final = response_object(
        filled,
        meta,
        request,
        status=status,
        output=output_items(filled, ids),
        completed_at=int(time.time()),
    )
    events.append(({"type": f"response.{status}", "response": final}, False))
    frames = Frames(_event_bytes)
    for number, (payload, content) in enumerate(events):
        frames.plan((payload, number), content)
    return frames


def _event_bytes(payload: dict[str, Any], number: int) -> bytes:
    """The event's bytes: its keys, then ``sequence_number`` — alphabetical, as the API
    orders them, so ``output_text.done``'s ``text`` comes after it."""
    if "text" not in payload:
        return event_frame({**payload, "sequence_number": number}).data
    event = {key: value for key, value in payload.items() if key != "text"}
    event["sequence_number"] = number
    event["text"] = payload["text"]
    return event_frame(event).data


def error_event(message: str, code: str | None, sequence_number: int) -> Frame:
    """The bare ``error`` event the API sends when a stream fails mid-way."""
    payload = {
        "type": "error",
        "code": code,
        "message": message,
        "param": None,
        "sequence_number": sequence_number,
    }
    return event_frame(payload)
