"""Request bodies as the journal keeps them: a large one cut to a size, its shape kept.

A journal entry holds the parsed body so tests can read ``entry.messages`` and the
inspector can show it. A 1 MB prompt kept whole in each of 10,000 entries is 10 GB, so a
body larger than ``keep`` characters is walked in order and, once ``keep`` is spent, each
string is cut with a marker saying how much went and each list ends with a marker item:
roles, models and the first part of every text stay readable.

The markers are ASCII: one character past Latin-1 (``…``) makes Python store the whole
kept text at two bytes a character, twice what the journal counts.
"""

from __future__ import annotations

from typing import Any

CUT = "...[fakeopenai: {count:,} characters cut]"
CUT_ITEMS = "...[fakeopenai: {count:,} more items cut]"
CUT_KEYS = "...[fakeopenai: {count:,} more keys cut]"  # a key, its value None
TOO_DEEP = "<fakeopenai: this body is nested too deeply to show>"
_SCALAR = 8  # what a number, boolean or null is counted as
# What JSON adds around a value, counted too (100,000 short keys are mostly quotes and
# separators): the kept body's JSON stays near ``keep`` characters.
_QUOTES, _SEPARATOR = 2, 2


def cut_text(text: str, keep: int) -> str:
    """``text``, or its first ``keep`` characters and a marker."""
    if len(text) <= keep:
        return text
    return text[:keep] + CUT.format(count=len(text) - keep)


def cut_body(body: Any, keep: int, cuts: dict[int, str] | None = None) -> Any:
    """``body`` with what lies past its first ``keep`` characters cut (a copy when cut).
    ``cuts``, when given, gets the cut version of every string that was cut, by the
    ``id`` of the original (valid while the original lives)."""
    budget = [keep]
    try:
        return _cut(body, budget, {} if cuts is None else cuts)
    except RecursionError:  # (JSON allows ~1,000 levels; the walk follows them)
        return TOO_DEEP


def _cut(value: Any, budget: list[int], cuts: dict[int, str]) -> Any:
    if isinstance(value, str):
        # (a string no longer than the marker stays whole: cut, it would grow)
        kept = value if len(value) <= len(CUT) else cut_text(value, max(budget[0], 0))
        if kept is not value:
            cuts[id(value)] = kept
        budget[0] -= len(value) + _QUOTES
        return kept
    if isinstance(value, list):
        out: list[Any] = []
        for index, item in enumerate(value):
            if budget[0] <= 0:
                out.append(CUT_ITEMS.format(count=len(value) - index))
                break
            budget[0] -= _SEPARATOR
            out.append(_cut(item, budget, cuts))
        return out
    if isinstance(value, dict):
        kept_items: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if budget[0] <= 0:  # a hundred thousand keys: the rest said in one
                kept_items[CUT_KEYS.format(count=len(value) - index)] = None
                break
            budget[0] -= len(key) + _QUOTES + _SEPARATOR + 2  # "key": value,
            kept_items[key] = _cut(item, budget, cuts)
        return kept_items
    budget[0] -= _SCALAR
    return value
