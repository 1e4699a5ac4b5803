"""A rate-limit budget that moves like the real one, for the ``x-ratelimit-*`` headers.

api.openai.com sends six headers on (nearly) every answer: the limits, what remains,
and how long until the budget is full again. Recorded on a fresh minute:
``limit-requests: 30000``, ``limit-tokens: 150000000``, ``remaining-requests: 29999``,
``remaining-tokens: 149999992``, ``reset-requests: 2ms``, ``reset-tokens: 0s``. The
budget is a token bucket per limit: full at the limit, refilled continuously at
``limit / 60 s``, drained by one request and the request's prompt tokens. So
``reset-requests: 2ms`` after one request is 1 / (30000 / 60 s), and a burst of
requests shows ``remaining-requests`` going down, then climbing back.

It is on every request's path: one lock, a few float operations, and strings for the
six values (the limits' strings made once). A refused request (a 429) shows the budget
without spending it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

REQUESTS = 30_000
TOKENS = 150_000_000
WINDOW_S = 60.0


def go_duration(seconds: float) -> str:
    """A duration as Go prints it, the way the reset headers spell it: ``0s``,
    ``2ms``, ``1.5s``, ``6m0s``, ``23h55m16.126s`` (to the millisecond)."""
    ms = int(seconds * 1000 + 0.5)
    if ms <= 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


class Budget:
    """Requests and tokens left in the window, per server (thread-safe)."""

    def __init__(
        self,
        requests: int = REQUESTS,
        tokens: int = TOKENS,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._limits = (float(requests), float(tokens))
        self._rates = (requests / window_s, tokens / window_s)
        self._limit_headers = {
            "x-ratelimit-limit-requests": str(requests),
            "x-ratelimit-limit-tokens": str(tokens),
        }
        self._requests, self._tokens = self._limits
        self._at = clock()

    def refill(self) -> None:
        """Full again (``FakeOpenAI.reset()``: each test starts on a fresh minute)."""
        with self._lock:
            self._requests, self._tokens = self._limits
            self._at = self._clock()

    def spend(self, tokens: int) -> dict[str, str]:
        """Take one request and ``tokens`` from the budget; the headers that show it."""
        return self._headers(1, tokens)

    def peek(self) -> dict[str, str]:
        """The headers of the budget as it stands (a refused request spends nothing)."""
        return self._headers(0, 0)

    def _headers(self, requests: int, tokens: int) -> dict[str, str]:
        limit_requests, limit_tokens = self._limits
        rate_requests, rate_tokens = self._rates
        with self._lock:
            now = self._clock()
            elapsed, self._at = now - self._at, now
            left_requests = min(limit_requests, self._requests + elapsed * rate_requests)
            left_tokens = min(limit_tokens, self._tokens + elapsed * rate_tokens)
            self._requests = left_requests = max(0.0, left_requests - requests)
            self._tokens = left_tokens = max(0.0, left_tokens - tokens)
        return {
            **self._limit_headers,
            "x-ratelimit-remaining-requests": str(int(left_requests)),
            "x-ratelimit-remaining-tokens": str(int(left_tokens)),
            "x-ratelimit-reset-requests": go_duration(
                (limit_requests - left_requests) / rate_requests
            ),
            "x-ratelimit-reset-tokens": go_duration((limit_tokens - left_tokens) / rate_tokens),
        }
