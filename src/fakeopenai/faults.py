"""What a scripted fault does to the bytes on the wire: where it strikes, what it sends.

A ``fault`` holds exactly one ``<kind>_after: N`` key. On a **stream**, N counts content
pieces (text or tool-argument deltas; the role-only opener, the finish chunk, the usage
chunk and ``[DONE]`` are not pieces): exactly N pieces reach the client, then

- ``disconnect``: the connection drops (no finish chunk, no ``[DONE]``, an incomplete
  chunked body: the SDK raises ``APIConnectionError``);
- ``truncate``: the body ends cleanly, without finish chunk or ``[DONE]`` (no error);
- ``stall``: bytes stop for ``stall_ms`` (then the stream resumes) or until the client
  gives up or the server stops;
- ``malformed``: one broken frame (the next frame cut in half), then the stream goes
  on (the Python SDK raises ``json.JSONDecodeError``, Node a ``SyntaxError``);
- ``error_event``: ``data: {"error": {...}}`` as the API sends for mid-stream failures
  (an endpoint may give its own form, e.g. the Responses ``error`` event), then the
  body ends.

On a **non-streamed** request N counts bytes of the JSON body (0 = before the status
line for ``disconnect`` and ``stall``; past the end = before the last byte):
``disconnect_after: 0`` drops the connection before any response, ``disconnect_after:
N`` sends the status, headers and N body bytes then drops; ``truncate_after: N`` sends
only the first N bytes as the whole body; ``stall_after`` goes silent at that point;
``malformed_after: N`` inserts ``<malformed>\\x00`` after N bytes; ``error_event_after``
answers 200 with an ``{"error": {...}}`` body (as some gateways do; N is unused).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fakeopenai.scenario import Fault
from fakeopenai.wire.errors import SERVER_ERROR_MESSAGE
from fakeopenai.wire.sse import Frame, Frames

KINDS = ("disconnect", "truncate", "stall", "malformed", "error_event")

# Inserted into a non-streamed body by ``malformed_after``. The NUL byte makes it
# invalid JSON wherever it lands, even inside a string; the text says what it is, and
# comes first: a NUL among the first two bytes makes json.loads read UTF-16.
MALFORMED_MARK = b"<malformed>\x00"


def fault_kind(fault: Fault) -> str:
    """``disconnect``, ``truncate``, ``stall``, ``malformed`` or ``error_event``."""
    for kind in KINDS:
        if getattr(fault, f"{kind}_after") is not None:
            return kind
    raise ValueError("a fault needs one of the *_after keys")  # the model guarantees one


def fault_after(fault: Fault) -> int:
    """The fault's N."""
    value: int = getattr(fault, f"{fault_kind(fault)}_after")
    return value


def strike_index(frames: Sequence[Frame], after: int) -> int:
    """Index of the frame before which the fault strikes, so that exactly ``after``
    content pieces went out first (``len(frames)``: after the last frame).

    With fewer pieces than ``after`` it strikes after the last piece (before the
    finish chunk). A stream without any piece strikes after its opening frame.
    """
    if isinstance(frames, Frames):  # its content marks, without making the frames
        pieces = [i for i in range(len(frames)) if frames.is_content(i)]
    else:
        pieces = [i for i, frame in enumerate(frames) if frame.content]
    if not pieces:
        return min(1, len(frames))
    if after == 0:
        return pieces[0]
    return pieces[min(after, len(pieces)) - 1] + 1


def error_object(fault: Fault) -> dict[str, Any]:
    """The ``error`` object of an ``error_event`` fault (defaults: the API's 500 text)."""
    return {
        "message": fault.message or SERVER_ERROR_MESSAGE,
        "type": fault.type or "server_error",
        "param": None,
        "code": fault.code,
    }


def error_event_frame(fault: Fault) -> bytes:
    """The chat stream's mid-stream error frame (WIRE.md §1.5). Endpoints with their
    own form (the Responses ``error`` event) provide it through ``fault_frame``."""
    # The captured API frame uses Python's default separators: {"error": {"message": ...
    return b"data: " + json.dumps({"error": error_object(fault)}).encode() + b"\n\n"


def malformed_frame(frames: Sequence[Frame], index: int) -> bytes:
    """The frame at ``index`` with its JSON cut in half: one broken event."""
    if index >= len(frames):
        return b'data: {"choices":[{\n\n'
    data = frames[index].data.rstrip(b"\n")
    start = data.find(b"data: ") + len(b"data: ")
    cut = start + max(1, (len(data) - start) // 2)
    return data[:cut] + b"\n\n"


def body_offset(fault: Fault, body: bytes) -> int:
    """Where a fault strikes in a non-streamed body: after N bytes, and never at or
    past its end (a fault that let the whole body through would be no fault)."""
    return min(fault_after(fault), max(len(body) - 1, 0))


def fault_body(fault: Fault, body: bytes) -> bytes:
    """The non-streamed body a fault sends (disconnect and stall keep the real one)."""
    kind, after = fault_kind(fault), body_offset(fault, body)
    if kind == "truncate":
        return body[:after]
    if kind == "malformed":
        return body[:after] + MALFORMED_MARK + body[after:]
    if kind == "error_event":
        return json.dumps({"error": error_object(fault)}).encode()
    return body


def connection(receive: Any) -> Any | None:
    """The client's connection, when the server is uvicorn: its ``receive`` is a bound
    method of the request cycle, which holds the transport (an asyncio transport, or
    uvloop's, which has the same methods without deriving from asyncio's classes)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    return transport if callable(getattr(transport, "abort", None)) else None


def close_transport(receive: Any, *, flush: bool = True) -> bool:
    """Close the client's connection at once, without ending the HTTP response.

    ASGI has no message for "drop the connection"; returning without completing the
    response makes uvicorn close it but also log an error. Closing uvicorn's transport
    (``connection``) flushes what was sent and ends the TCP connection, so the client
    sees exactly the bytes sent so far and then EOF. Without ``flush`` (the server is
    stopping), bytes a client has not read are dropped: the close must not wait for
    them. Returns False when the server is not uvicorn.
    """
    transport = connection(receive)
    if transport is None:
        return False
    if not flush and transport.get_write_buffer_size():
        transport.abort()  # close() would wait for a client that may never read
    else:
        transport.close()
    return True
