"""Splitting reply text into stream pieces (``chunking`` in a scenario reply).

Every mode returns pieces whose concatenation is exactly the input, so a client that
reassembles the stream gets the scripted text byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"\s*\S+")


def split(text: str, chunking: Any = None) -> list[str]:
    """Split ``text`` by ``chunking``: ``word`` (default), ``char``, ``token``, ``line``,
    ``none``, or an object with ``chars`` (fixed-size pieces)."""
    if not text:
        return []
    chars = getattr(chunking, "chars", None)
    if chars is not None:
        return [text[i : i + chars] for i in range(0, len(text), chars)]
    mode = chunking or "word"
    if mode == "none":
        return [text]
    if mode == "char":
        return list(text)
    if mode == "line":
        return text.splitlines(keepends=True)
    if mode == "token":
        from fakeopenai.generate import split_tokens

        return split_tokens(text)
    return _words(text)


def _words(text: str) -> list[str]:
    """Each word with the white space before it, like the API's word-level tokens."""
    pieces = _WORD.findall(text)
    consumed = sum(map(len, pieces))
    if consumed < len(text):  # trailing white space rides on the last piece
        if pieces:
            pieces[-1] += text[consumed:]
        else:
            pieces = [text]
    return pieces


def split_arguments(arguments: str, chunking: Any = None) -> list[str]:
    """Tool-call argument pieces: token-like by default, as the real API streams them."""
    if chunking is None or chunking == "word":
        from fakeopenai.generate import split_tokens

        return split_tokens(arguments) if arguments else []
    return split(arguments, chunking)
