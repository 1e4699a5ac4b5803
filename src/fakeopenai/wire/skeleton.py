"""Bodies encoded once and completed per request: the skeleton of a fixed reply.

A rule with fixed text answers every request it matches with the same body but for a
few values: the id, the creation time, the prompt-token counts. Encoding the whole
object again each time is most of the cost of answering, so the object is encoded once
with a marker string in each of those places and cut at the markers; a request joins
the pieces around its own values. The pieces come from the encoder the general path
uses (``sse.body_bytes`` for bodies, ``sse.compact`` for stream chunks), so the bytes
are the ones it would write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fakeopenai.wire.sse import body_bytes

Skeleton = tuple[bytes, ...]


def slot(index: int) -> str:
    """The marker for slot ``index``: private-use characters no reply contains (and if
    one did, ``cut`` finds its marker twice and declines)."""
    return f"\ue000fakeopenai-slot-{index}\ue001"


def cut(body: Any, slots: int, encode: Callable[[Any], bytes] = body_bytes) -> Skeleton | None:
    """``encode(body)`` cut around the encoded markers ``slot(0)``..``slot(slots-1)``,
    which must be values of ``body`` in document order; ``None`` when a marker is not
    found exactly once, in its order (the caller then encodes such a body in full)."""
    data = encode(body)
    marks = [encode(slot(index)) for index in range(slots)]  # quoted, as in `data`
    if any(data.count(mark) != 1 for mark in marks):
        return None
    pieces: list[bytes] = []
    for mark in marks:
        head, found, data = data.partition(mark)
        if not found:
            return None  # it came before the previous slot's marker
        pieces.append(head)
    pieces.append(data)
    return tuple(pieces)


def complete(skeleton: Skeleton, values: Sequence[bytes]) -> bytes:
    """The body with each slot replaced by its encoded JSON value, in order."""
    if len(values) != len(skeleton) - 1:
        raise ValueError(f"{len(skeleton) - 1} slot values expected, got {len(values)}")
    parts: list[bytes] = [b""] * (2 * len(skeleton) - 1)
    parts[::2] = skeleton  # (slice assignment: no Python loop on the hot path)
    parts[1::2] = values
    return b"".join(parts)
