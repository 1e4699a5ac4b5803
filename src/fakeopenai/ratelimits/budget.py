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

# ruff: noqa: PLR1730 (on the hot path, a comparison is cheaper than a min()/max() call)
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

REQUESTS = 30_000
TOKENS = 150_000_000
WINDOW_S = 60.0


# The six headers, in the order the API sends them.
NAMES = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
)
_ENCODED_NAMES = tuple(name.encode() for name in NAMES)
_REMAINING_REQUESTS, _REMAINING_TOKENS, _RESET_REQUESTS, _RESET_TOKENS = _ENCODED_NAMES[2:]
Encoded = tuple[tuple[bytes, bytes], ...]  # ASGI header pairs


def go_duration(seconds: float) -> str:
    """A duration as Go prints it, the way the reset headers spell it: ``0s``,
    ``2ms``, ``1.5s``, ``6m0s``, ``23h55m16.126s`` (to the millisecond)."""
    return milliseconds(int(seconds * 1000 + 0.5))


def milliseconds(ms: int) -> str:
    """``go_duration`` of a whole number of milliseconds."""
    if ms < 1000:  # the common case: a budget that is (nearly) full
        return f"{ms}ms" if ms > 0 else "0s"
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    whole, milli = divmod(ms, 1000)  # (integer steps: no float formatting per answer)
    secs = f"{whole}.{milli:03d}".rstrip("0") if milli else str(whole)
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
        self._limit_requests, self._limit_tokens = float(requests), float(tokens)
        self._rate_requests, self._rate_tokens = requests / window_s, tokens / window_s
        # milliseconds until full, per request or token missing
        self._ms_requests, self._ms_tokens = 1000 * window_s / requests, 1000 * window_s / tokens
        self._limit_pairs = (
            (_ENCODED_NAMES[0], str(requests).encode()),
            (_ENCODED_NAMES[1], str(tokens).encode()),
        )
        self._requests, self._tokens = self._limit_requests, self._limit_tokens
        self._at = clock()

    def refill(self) -> None:
        """Full again (``FakeOpenAI.reset()``: each test starts on a fresh minute)."""
        with self._lock:
            self._requests, self._tokens = self._limit_requests, self._limit_tokens
            self._at = self._clock()

    def spend(self, tokens: int) -> dict[str, str]:
        """Take one request and ``tokens`` from the budget; the headers that show it."""
        return {name.decode(): value.decode() for name, value in self._take(1.0, tokens)}

    def peek(self) -> dict[str, str]:
        """The headers of the budget as it stands (a refused request spends nothing)."""
        return {name.decode(): value.decode() for name, value in self._take(0.0, 0)}

    def spend_encoded(self, tokens: int) -> Encoded:
        """``spend``, as ASGI header pairs: what every answer's path asks for."""
        return self._take(1.0, tokens)

    def _take(self, requests: float, tokens: int) -> Encoded:
        # On every answer's path: plain arithmetic under one lock.
        with self._lock:
            now = self._clock()
            elapsed = now - self._at
            self._at = now
            left_requests = self._requests = _drain(
                self._requests, elapsed * self._rate_requests, self._limit_requests, requests
            )
            left_tokens = self._tokens = _drain(
                self._tokens, elapsed * self._rate_tokens, self._limit_tokens, tokens
            )
        limit_requests, limit_tokens = self._limit_pairs
        return (  # b"%d" formatting: no str() and encode() per value
            limit_requests,
            limit_tokens,
            (_REMAINING_REQUESTS, b"%d" % left_requests),
            (_REMAINING_TOKENS, b"%d" % left_tokens),
            (
                _RESET_REQUESTS,
                _encoded_ms(int((self._limit_requests - left_requests) * self._ms_requests + 0.5)),
            ),
            (
                _RESET_TOKENS,
                _encoded_ms(int((self._limit_tokens - left_tokens) * self._ms_tokens + 0.5)),
            ),
        )


def _drain(left: float, refill: float, limit: float, spent: float) -> float:
    """One bucket: ``left`` refilled (at most to ``limit``), less ``spent`` (at least 0)."""
    left += refill
    if left > limit:
        left = limit
    left -= spent
    return left if left > 0.0 else 0.0


def _encoded_ms(ms: int) -> bytes:
    """``milliseconds(ms)``, encoded; the values of a one-minute window without a call."""
    if ms == 0:
        return b"0s"
    if ms < 1000:
        return b"%dms" % ms
    if ms < 60_000:  # a budget being drained by a load test: a new value every answer
        whole, milli = divmod(ms, 1000)
        return (b"%d.%03d" % (whole, milli)).rstrip(b"0") + b"s" if milli else b"%ds" % whole
    return _encoded_long(ms)


@functools.lru_cache(maxsize=256)
def _encoded_long(ms: int) -> bytes:
    # A budget drained by a load test (more than 500 requests a second) shows the same
    # long reset (``1m0s``) on every answer: formatted once, not per request.
    return milliseconds(ms).encode()
