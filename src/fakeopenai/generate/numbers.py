"""Numbers and integers for a JSON Schema: bounds, exclusive bounds, ``multipleOf``.

Within the schema's bounds the value is drawn from a range that suits the property
name when one is known (an ``age`` is 18-90, a ``latitude`` -90-90, a ``price`` has two
decimals), else from 0-100. ``exclusiveMinimum``/``exclusiveMaximum`` are read in both
their draft-4 (boolean) and later (number) forms. ``multipleOf`` is met with decimal
arithmetic and checked the way ``jsonschema`` checks it (float quotient is integral).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from fakeopenai.generate import names

_DEFAULT = (0.0, 100.0)
_WIDTH = 100.0  # how far past a one-sided bound values may go
_TRIES = 20
_HINTS: list[tuple[tuple[str, ...], tuple[float, float]]] = [
    (("age",), (18, 90)),
    (("year",), (1990, 2030)),
    (("month",), (1, 12)),
    (("day",), (1, 28)),
    (("hour", "hours"), (0, 23)),
    (("minute", "minutes", "second", "seconds"), (0, 59)),
    (("lat", "latitude"), (-90, 90)),
    (("lon", "lng", "long", "longitude"), (-180, 180)),
    (("temperature", "temp", "celsius"), (-10, 35)),
    (("rating", "stars"), (1, 5)),
    (("percent", "percentage", "pct", "probability", "confidence"), (0, 100)),
    (("price", "cost", "amount", "total", "salary", "balance", "fee"), (1, 500)),
    (("count", "quantity", "qty", "number", "num", "size", "page", "level"), (1, 20)),
    (("port",), (1024, 65535)),
    (("id",), (1, 9999)),
]


def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """``(low, low_exclusive, high, high_exclusive)``."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_ex = high_ex = False
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(ex_low, bool):  # draft 4: a flag on minimum
        low_ex = ex_low and low is not None
    elif isinstance(ex_low, int | float) and (low is None or ex_low >= low):
        low, low_ex = ex_low, True
    if isinstance(ex_high, bool):
        high_ex = ex_high and high is not None
    elif isinstance(ex_high, int | float) and (high is None or ex_high <= high):
        high, high_ex = ex_high, True
    return low, low_ex, high, high_ex


def _spans(low: float | None, high: float | None, hint: str | None) -> list[tuple[float, float]]:
    """Ranges to draw from, best first: the hint's range cut to the bounds, then the bounds.

    The first can be empty or hold only an excluded bound (``exclusiveMaximum: 0`` cuts
    0-100 to 0-0); the second always has room below or above a one-sided bound.
    """
    spans: list[tuple[float, float]] = []
    prefer = names.lookup(hint, _HINTS) or _DEFAULT
    lo = prefer[0] if low is None else max(low, prefer[0])
    hi = prefer[1] if high is None else min(high, prefer[1])
    if lo <= hi:
        spans.append((lo, hi))
    lo = low if low is not None else (high if high is not None else 0) - _WIDTH
    spans.append((lo, high if high is not None else lo + _WIDTH))
    return spans


def _within(value: float, schema: Mapping[str, Any]) -> bool:
    low, low_ex, high, high_ex = _bounds(schema)
    if low is not None and (value < low or (low_ex and value == low)):
        return False
    return not (high is not None and (value > high or (high_ex and value == high)))


def is_multiple(value: float, step: float) -> bool:
    """``value`` is a multiple of ``step`` by ``jsonschema``'s test."""
    if isinstance(step, float):
        quotient = value / step
        return math.isfinite(quotient) and int(quotient) == quotient
    return isinstance(value, int) and value % step == 0


def _multiple(
    schema: Mapping[str, Any], step: float, rng: random.Random, hint: str | None, integer: bool
) -> Any:
    low, _, high, _ = _bounds(schema)
    dstep = Decimal(str(step))
    for lo, hi in _spans(low, high, hint):
        try:
            kmin = math.ceil(Decimal(str(lo)) / dstep)
            kmax = math.floor(Decimal(str(hi)) / dstep)
        except (InvalidOperation, OverflowError, ValueError):
            continue
        # Random multiples first (variety), then every one from the bottom (float steps
        # such as 0.1 make some multiples fail the float test: 0.3 / 0.1 != 3).
        randoms = [rng.randint(kmin, max(kmin, kmax)) for _ in range(_TRIES)]
        for k in [*randoms, *range(kmin, min(kmax, kmin + 10 * _TRIES) + 1)]:
            exact = dstep * k
            if integer and exact != int(exact):
                continue
            value: float = int(exact) if integer or isinstance(step, int) else float(exact)
            if _within(value, schema) and is_multiple(value, step):
                return value
    return 0


def _step(schema: Mapping[str, Any]) -> float | None:
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
        return step
    return None


def integer(schema: Mapping[str, Any], rng: random.Random, hint: str | None) -> int:
    """An integer valid against ``schema``'s bounds and ``multipleOf``."""
    step = _step(schema)
    if step is not None:
        return int(_multiple(schema, step, rng, hint, integer=True))
    low, low_ex, high, high_ex = _bounds(schema)
    ilow = None if low is None else (math.floor(low) + 1 if low_ex else math.ceil(low))
    ihigh = None if high is None else (math.ceil(high) - 1 if high_ex else math.floor(high))
    for lo, hi in _spans(ilow, ihigh, hint):
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        if lo_i <= hi_i:
            return rng.randint(lo_i, hi_i)
    return ilow if ilow is not None else 0


def number(schema: Mapping[str, Any], rng: random.Random, hint: str | None) -> float:
    """A number (two decimals when possible) valid against ``schema``."""
    step = _step(schema)
    if step is not None:
        return float(_multiple(schema, step, rng, hint, integer=False))
    low, _, high, _ = _bounds(schema)
    for lo, hi in _spans(low, high, hint):
        for candidate in (round(rng.uniform(lo, hi), 2), (lo + hi) / 2, float(lo), float(hi)):
            if _within(candidate, schema):
                return candidate
    return float(low if low is not None else 0)
