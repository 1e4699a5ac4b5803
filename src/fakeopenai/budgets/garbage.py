"""Garbage that holds large request bodies, collected before it piles up.

A large body that ends up in a reference cycle (an exception's traceback holds the frame
that parsed it) waits for the garbage collector, and ``fakeopenai serve`` collects
seldom (``heap.settle_heap``): in a soak, 1 MB prompts piled up by the hundred.
``GarbageBound`` runs a full collection after every ``COLLECT_AFTER`` bytes of large
bodies, which bounds that garbage to about as much.
"""

from __future__ import annotations

import gc

COLLECT_AFTER = 64 * 1024 * 1024  # bytes of large request bodies between collections


class GarbageBound:
    """Counts large bodies read; collects once ``COLLECT_AFTER`` bytes have come."""

    def __init__(self, after: int = COLLECT_AFTER) -> None:
        self.after = after
        self.seen = 0

    def add(self, size: int) -> None:
        self.seen += size
        if self.seen > self.after:
            self.seen = 0
            gc.collect()
