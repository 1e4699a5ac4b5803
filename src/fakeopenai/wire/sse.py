"""Server-sent event framing shared by the streaming endpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE event's bytes. ``content`` marks a content piece (text or tool-argument
    delta): stream faults and the journal's ``chunks`` count only those."""

    data: bytes
    content: bool = False


def compact(obj: Any) -> bytes:
    """Compact JSON, as the API streams it (no spaces after separators), UTF-8.

    pydantic-core's encoder (already a dependency through pydantic) writes the same
    bytes as ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False)`` but for
    float spelling (``0.00001`` for ``1e-05``; both are JSON's same number), four times
    faster: frames are encoded once per piece of every stream.
    """
    try:
        return to_json(obj)
    except PydanticSerializationError:  # not JSON-ready (a scripted oddity): json's way
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def body_bytes(obj: Any) -> bytes:
    """A whole JSON body (a non-streamed answer, an error), indented by two spaces so
    that it reads well in a terminal; clients parse any spacing."""
    try:
        return to_json(obj, indent=2)
    except PydanticSerializationError:
        return json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode()


def data_frame(obj: Any, content: bool = False) -> Frame:
    """``data: {json}\\n\\n``."""
    return Frame(b"data: " + compact(obj) + b"\n\n", content)


def event_frame(obj: dict[str, Any], content: bool = False) -> Frame:
    """``event: <type>\\ndata: {json}\\n\\n`` (Responses API streams name every event)."""
    head = b"event: " + str(obj["type"]).encode() + b"\ndata: "
    return Frame(head + compact(obj) + b"\n\n", content)
