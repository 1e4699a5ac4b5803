"""Server-sent event framing shared by the streaming endpoints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from pydantic_core import PydanticSerializationError, to_json

from fakeopenai.record import record

DONE = b"data: [DONE]\n\n"


@record
class Frame:
    """One SSE event's bytes. ``content`` marks a content piece (text or tool-argument
    delta): stream faults and the journal's ``chunks`` count only those."""

    data: bytes
    content: bool = False


class Frames(Sequence[Frame]):
    """A stream's frames, each made when it is read.

    A stream is planned when its request arrives, but encoding every frame then would
    put a whole answer's work between that request and every other stream's next piece
    (100 streams arriving together wait on each other). So most frames are kept as the
    arguments of ``make`` plus their content mark, and encoded as they go out. The
    arguments are plain values (strings, small dicts), which the garbage collector does
    not need to track: a closure per frame made every full collection walk each one.
    """

    def __init__(self, make: Callable[..., bytes]) -> None:
        self._make = make
        self._items: list[Frame | tuple[tuple[Any, ...], bool]] = []

    def plan(self, args: tuple[Any, ...], content: bool = False) -> None:
        """A frame whose bytes are ``make(*args)``."""
        self._items.append((args, content))

    def add(self, frame: Frame) -> None:
        """A frame made already."""
        self._items.append(frame)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Frame: ...
    @overload
    def __getitem__(self, index: slice) -> list[Frame]: ...
    def __getitem__(self, index: int | slice) -> Frame | list[Frame]:
        if isinstance(index, slice):
            return [self._frame(item) for item in self._items[index]]
        return self._frame(self._items[index])

    def __iter__(self) -> Iterator[Frame]:
        return (self._frame(item) for item in self._items)

    def is_content(self, index: int) -> bool:
        """Whether frame ``index`` is a content piece, without making it."""
        item = self._items[index]
        return item.content if isinstance(item, Frame) else item[1]

    def _frame(self, item: Frame | tuple[tuple[Any, ...], bool]) -> Frame:
        return item if isinstance(item, Frame) else Frame(self._make(*item[0]), item[1])


def compact(obj: Any) -> bytes:
    """Compact JSON, as the API streams it (no spaces after separators), UTF-8.

    pydantic-core's encoder (already a dependency through pydantic) writes the same
    bytes as ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False)`` but for
    float spelling (``0.00001`` for ``1e-05``; both are JSON's same number), four times
    faster: frames are encoded once per piece of every stream.
    """
    try:
        return to_json(obj)
    except PydanticSerializationError:
        # Not JSON-ready, or text that is not valid Unicode (a lone surrogate a request
        # sent as "\ud800"): json's way, with ASCII escapes, cannot fail. Frames are made
        # as they go out, after the 200, so an error here could no longer be an envelope.
        return json.dumps(obj, separators=(",", ":"), default=str).encode()


def body_bytes(obj: Any) -> bytes:
    """A whole JSON body (a non-streamed answer, an error), indented by two spaces so
    that it reads well in a terminal; clients parse any spacing."""
    try:
        return to_json(obj, indent=2)
    except PydanticSerializationError:  # as in compact()
        return json.dumps(obj, indent=2, default=str).encode()


PIECEWISE_ITEMS = 16  # a top-level list longer than this is encoded item by item


def large_body_bytes(obj: Any) -> bytes:
    """A whole JSON body that may be large (2,048 embeddings, 2,048 choices), built in a
    worker thread: compact, each item of a long top-level list (``data``, ``choices``)
    encoded on its own. One encoder call over the lot holds the GIL for as long as it
    runs (close to a second), stalling the event loop; item by item, the loop gets the
    GIL back between items."""
    if not isinstance(obj, dict) or not any(
        isinstance(value, list) and len(value) > PIECEWISE_ITEMS for value in obj.values()
    ):
        return body_bytes(obj)  # an ordinary answer: as every other body is written
    parts: list[bytes] = []
    for key, value in obj.items():
        if isinstance(value, list) and len(value) > PIECEWISE_ITEMS:
            items = b",".join([compact(item) for item in value])
            parts.append(compact(key) + b":[" + items + b"]")
        else:
            parts.append(compact(key) + b":" + compact(value))
    return b"{" + b",".join(parts) + b"}"


def data_frame(obj: Any, content: bool = False) -> Frame:
    """``data: {json}\\n\\n``."""
    return Frame(b"data: " + compact(obj) + b"\n\n", content)


def event_frame(obj: dict[str, Any], content: bool = False) -> Frame:
    """``event: <type>\\ndata: {json}\\n\\n`` (Responses API streams name every event)."""
    head = b"event: " + str(obj["type"]).encode() + b"\ndata: "
    return Frame(head + compact(obj) + b"\n\n", content)
