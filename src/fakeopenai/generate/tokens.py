"""Token counts that look like OpenAI's, without a tokenizer download.

The method, in two steps, mirrors how tiktoken's ``o200k_base`` works:

1. **Pre-tokenise** with a regular expression modelled on o200k's: a word with at most
   one leading space or symbol (split at lower→upper case changes, so ``getWeather`` is
   two pieces, with English contractions attached), runs of 1-3 digits, runs of
   symbols, newlines, other whitespace. Python's ``re`` has no ``\\p{Lu}``, so
   "uppercase" means ASCII, Latin-1, Greek and Cyrillic capitals; every other letter
   counts as lowercase.
2. **Cost each piece** instead of running BPE: a word of up to 12 letters is one token
   (o200k holds nearly every common English word, with its leading space, whole), a
   longer word one more per 6 letters (a leading space or symbol rides along free, as
   `` the``, ``.com`` do in BPE); CJK characters one each; 1-3 digits one; symbols one
   per 3; whitespace one per 8.

For English prose this lands within about 10 % of o200k (``"How many angels can dance
on the head of a pin?"`` is 12 here and 12 there). It undercounts random letter strings
(a real tokenizer splits what it has not seen), which do not matter for usage numbers.

Chat messages add OpenAI's framing: 4 tokens per message (start, role, separator, end)
and 3 to prime the reply, so one user message of 12 tokens is 19 prompt tokens, exactly
what the API reports for that question. ``split_tokens`` cuts text into exactly
``count_tokens`` pieces, for ``chunking: token``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f"
_PIECE = re.compile(
    rf"""(?P<word>(?:[^\r\n\w]|_)?(?:[{_UPPER}]*[^\W\d_{_UPPER}]+|[{_UPPER}]+[^\W\d_{_UPPER}]*)
            (?i:'s|'t|'re|'ve|'m|'ll|'d)?)
        |(?P<digits>\d{{1,3}})
        |(?P<symbols>\ ?(?:[^\s\w]|_)+[\r\n/]*)
        |(?P<newlines>\s*[\r\n]+)
        |(?P<space>\s+(?!\S)|\s+)
        |(?P<other>[\s\S])""",
    re.VERBOSE,
)
_WORD_LETTERS = 12
_LETTERS_PER_EXTRA_TOKEN = 6
_CJK_START = 0x2E80  # CJK radicals onwards: ideographs, kana, hangul: about a token each


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _word_cost(piece: str) -> int:
    if len(piece) <= _WORD_LETTERS and piece.isascii():
        return 1  # the common case, decided without looking at each character
    # A leading space or symbol is free: BPE merges " the", ".com", "(self" whole.
    cjk = sum(1 for ch in piece if ord(ch) >= _CJK_START)
    letters = sum(1 for ch in piece if ch.isalpha()) - cjk
    cost = cjk
    if letters:
        extra = max(0, letters - _WORD_LETTERS)
        cost += 1 + _ceil_div(extra, _LETTERS_PER_EXTRA_TOKEN)
    return max(cost, 1)


def _piece_cost(kind: str | None, piece: str) -> int:
    if kind == "word":
        return _word_cost(piece)
    if kind == "symbols":
        return _ceil_div(len(piece.strip(" \r\n")) or 1, 3)
    if kind in ("space", "newlines"):
        return _ceil_div(len(piece), 8)
    return 1


def _pieces(text: str) -> Iterator[tuple[str, int]]:
    """Pre-tokenizer pieces of ``text`` with their token costs."""
    for match in _PIECE.finditer(text):
        piece = match.group()
        yield piece, min(_piece_cost(match.lastgroup, piece), len(piece))


SLICE = 8192  # characters counted by one ``_count`` call in a long text
_CUT = re.compile(r"(?<=\S) (?=\S)")
CACHED_TEXT = 4096  # characters: longer texts are counted afresh, never kept
COUNTED_TEXT = 50_000  # characters counted exactly; past them, the rate so far is used


def count_tokens(text: str) -> int:
    """How many tokens an o200k-like tokenizer would make of ``text`` (0 for ``""``).

    Cached for texts up to ``CACHED_TEXT`` characters: tests send the same messages and
    scripted replies over and over, and usage is counted on every request. A long text
    is not kept: 8,192 cached 1 MB prompts would hold 8 GB. Past ``COUNTED_TEXT``
    characters the count is extrapolated from the first ones (a 1 MB prompt cost a
    second of CPU to count exactly; the count is an estimate of o200k's anyway)."""
    if len(text) <= CACHED_TEXT:
        return _counted(text)
    if len(text) <= COUNTED_TEXT:
        return _count_long(text)
    head = text[:COUNTED_TEXT]
    return round(_count_long(head) * len(text) / len(head))


@functools.lru_cache(maxsize=8192)
def _counted(text: str) -> int:
    return _count(text)


def _count(text: str) -> int:
    return sum(cost for _, cost in _pieces(text))


def _count_long(text: str) -> int:
    """``_count`` in slices of about ``SLICE`` characters. One regex step holds the GIL
    for its whole piece, and a long text can be one piece (1 MB of ``!`` took 0.4 s,
    stalling the event loop's thread); a slice bounds that. Slices end before a space
    between two non-spaces, where a piece begins anyway, so the count stays exact; only
    a text with no such space in ``SLICE`` characters is cut where it stands."""
    total, start = 0, 0
    while start < len(text):
        end = start + SLICE
        if end < len(text):
            cut = _CUT.search(text, end, end + SLICE)
            end = cut.start() if cut else end
        total += _count(text[start:end])
        start = end
    return total


def split_tokens(text: str) -> list[str]:
    """``text`` cut into ``count_tokens(text)`` token-like pieces that join back to it."""
    out: list[str] = []
    for piece, cost in _pieces(text):
        if cost == 1:
            out.append(piece)
            continue
        # Cut a many-token piece into `cost` near-equal, non-empty parts.
        size, rest = divmod(len(piece), cost)
        start = 0
        for i in range(cost):
            end = start + size + (1 if i < rest else 0)
            out.append(piece[start:end])
            start = end
    return out


# OpenAI's chat framing: <|start|>role<|message|>text<|end|> per message, and the
# assistant's <|start|>assistant<|message|> that primes the reply.
TOKENS_PER_MESSAGE = 4
TOKENS_REPLY_PRIMING = 3
TOKENS_PER_TOOL_CALL = 3


def chat_prompt_tokens(texts: list[str]) -> int:
    """Prompt tokens of chat messages with these texts (framing included)."""
    return sum(TOKENS_PER_MESSAGE + count_tokens(text) for text in texts) + TOKENS_REPLY_PRIMING
