"""Embedding vectors and the ``list`` object of ``POST embeddings`` (WIRE.md §5.1).

A generated vector depends only on (seed, text): SHAKE-256 of both gives the bytes,
each pair of bytes becomes one roughly normal 16-bit value (the high byte through a
normal quantile table, so the direction is close to uniform on the sphere), and the
vector is L2-normalised and rounded to float32. Rounding first means the ``float`` and
``base64`` encodings carry exactly the same numbers. Because the byte stream is a
prefix of itself, a vector with ``dimensions: k`` is the first k values of the full one,
renormalised, which is how the real text-embedding-3 models shorten vectors.
Everything per element runs in C (bytes.translate, array, math.hypot, map): a
3072-dimension vector costs well under a millisecond.
"""

from __future__ import annotations

import array
import base64
import hashlib
import math
import sys
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

# Native dimensions; an unknown model gets DEFAULT_DIMENSIONS.
MODEL_DIMENSIONS = {
    "text-embedding-3-large": 3072,
    "text-embedding-3-small": 1536,
    "text-embedding-ada-002": 1536,
}
DEFAULT_DIMENSIONS = 1536
# Models that refuse the ``dimensions`` parameter (only text-embedding-3 accepts it).
FIXED_DIMENSIONS = frozenset({"text-embedding-ada-002"})


def _normal_table() -> bytes:
    """Byte b → the normal quantile at (b + 0.5) / 256, as a signed byte (±3 sigma)."""
    normal = NormalDist()
    quantiles = (round(normal.inv_cdf((b + 0.5) / 256) * 42) for b in range(256))
    return bytes(q & 0xFF for q in quantiles)


_TABLE = _normal_table()
_HIGH = 1 if sys.byteorder == "little" else 0  # which byte of a native int16 is the high one


def native_dimensions(model: str | None) -> int:
    """The model's vector length when the request does not set ``dimensions``."""
    return MODEL_DIMENSIONS.get(model or "", DEFAULT_DIMENSIONS)


def vector(text: str, seed: int | None, dimensions: int) -> array.array[float]:
    """The unit-length float32 vector for ``text``: equal inputs give equal vectors."""
    # surrogatepass: a lone surrogate escape ("\ud800") is valid JSON and a valid input
    key = f"{seed or 0}\0{text}".encode("utf-8", "surrogatepass")
    raw = hashlib.shake_256(key).digest(2 * dimensions)
    mixed = bytearray(raw)
    mixed[_HIGH::2] = raw[_HIGH::2].translate(_TABLE)
    values = array.array("h", mixed)
    norm = math.hypot(*values) or 1.0  # all zero is astronomically unlikely; stay finite
    return array.array("f", map((1.0 / norm).__mul__, values))


def pinned(values: Sequence[float]) -> array.array[float]:
    """A scripted vector as float32, as given (not normalised: the author chose it)."""
    return array.array("f", values)


def encode(values: array.array[float], encoding_format: str) -> list[float] | str:
    """``float``: a JSON list; ``base64``: the little-endian float32 bytes, base64."""
    if encoding_format == "base64":
        if sys.byteorder == "big":
            values = array.array("f", values)
            values.byteswap()
        return base64.b64encode(values.tobytes()).decode("ascii")
    return values.tolist()


def embedding_list(
    vectors: Sequence[array.array[float]], model: str, prompt_tokens: int, encoding_format: str
) -> dict[str, Any]:
    """The response: one ``embedding`` object per input, in input order, and usage."""
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index, "embedding": encode(values, encoding_format)}
            for index, values in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
