"""Server-sent event framing shared by the streaming endpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE event's bytes. ``content`` marks a content piece (text or tool-argument
    delta): stream faults and the journal's ``chunks`` count only those."""

    data: bytes
    content: bool = False


# One encoder for every frame: json.dumps with options builds a new one per call. The
# objects are the wire builders' own dicts, never cyclic, so the cycle check is skipped.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
# Bodies that are not SSE (non-streamed answers, errors) keep json's default separators.
_SPACED = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def dumps(obj: Any) -> str:
    """Compact JSON, as the API sends it (no spaces after separators)."""
    return _COMPACT.encode(obj)


def body_bytes(obj: Any) -> bytes:
    """A whole JSON body (``json.dumps`` spacing, UTF-8)."""
    return _SPACED.encode(obj).encode()


def data_frame(obj: Any, content: bool = False) -> Frame:
    """``data: {json}\\n\\n``."""
    return Frame(b"data: " + dumps(obj).encode() + b"\n\n", content)


def event_frame(obj: dict[str, Any], content: bool = False) -> Frame:
    """``event: <type>\\ndata: {json}\\n\\n`` (Responses API streams name every event)."""
    head = b"event: " + str(obj["type"]).encode() + b"\ndata: "
    return Frame(head + dumps(obj).encode() + b"\n\n", content)
