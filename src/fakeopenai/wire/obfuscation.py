"""The ``obfuscation`` padding of streamed chunks and delta events (WIRE.md §9 row 5).

Since 2025-08 the real API adds ``"obfuscation": "<random letters>"`` to every chat
chunk and to the Responses API's delta events, so that a stream's frame sizes do not
give its text away; ``stream_options.include_obfuscation: false`` turns it off. The
padding brings the piece and its padding to a multiple of 16 characters (the recorded
``"delta":"Why"`` came with 13 letters of it). Clients ignore it; a fake that omits it
differs from every recorded stream.

On the hot path (one pad per frame), so the letters are drawn in advance: a pad is a
slice of the next precomputed 16-letter string.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from fakeopenai.wire.ids import alnum

BLOCK = 16
# next() on a cycle is one C call: atomic under the GIL, cheap, and fresh enough
_LETTERS = [alnum(BLOCK) for _ in range(4096)]
_PADS = itertools.cycle(_LETTERS)
_ENCODED_PADS = itertools.cycle([letters.encode() for letters in _LETTERS[::-1]])


def pad(piece_length: int = 0) -> str:
    """Random letters that bring ``piece_length`` up to the next multiple of 16
    (1 to 16 of them)."""
    return next(_PADS)[: BLOCK - piece_length % BLOCK]


def pad_bytes(piece_length: int = 0) -> bytes:
    """``pad``, encoded (the chat stream's text chunks are joined as bytes)."""
    return next(_ENCODED_PADS)[: BLOCK - piece_length % BLOCK]


def wanted(body: Mapping[str, Any]) -> bool:
    """Whether a streamed request gets obfuscation (all do unless they say no)."""
    options = body.get("stream_options")
    return not (isinstance(options, Mapping) and options.get("include_obfuscation") is False)
