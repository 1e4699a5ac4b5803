"""When each part of a paced answer is due: headers, first piece, every later piece."""

from __future__ import annotations

import random

from fakeopenai.scenario import Latency


class Schedule:
    """When things are due, in seconds after the request arrived.

    Headers at ``headers_ms``; the first frame (or a JSON body) ``ttft_ms`` later;
    content piece k (0-based) ``k * interval`` after that, where the interval is
    ``chunk_ms`` or one piece per token at ``tokens_per_second``, shifted by a seeded
    jitter in ``[-jitter_ms, +jitter_ms]`` (the first piece is never jittered, so
    ``ttft_ms`` is exact). The same seed gives the same offsets, whatever the timing.
    """

    def __init__(self, latency: Latency | None, seed: int = 0) -> None:
        self.headers = self.first = self.interval = self.jitter = 0.0
        if latency is not None:
            self.headers = latency.headers_ms / 1000
            self.first = (latency.headers_ms + latency.ttft_ms) / 1000
            interval_ms = latency.chunk_ms or 0.0
            if latency.tokens_per_second:
                interval_ms = 1000.0 / latency.tokens_per_second
            self.interval = interval_ms / 1000
            self.jitter = latency.jitter_ms / 1000
        self._rng = random.Random(seed)
        self._offsets: list[float] = [0.0]  # drawn in piece order, so repeatable

    def due(self, piece: int) -> float:
        """Due time of content piece ``piece`` (0 = the first frame)."""
        if self.jitter:
            while len(self._offsets) <= piece:
                self._offsets.append(self._rng.uniform(-self.jitter, self.jitter))
            return max(self.first, self.first + piece * self.interval + self._offsets[piece])
        return self.first + piece * self.interval
