"""A string that matches a regular expression: a small generator for JSON Schema ``pattern``.

Walks the parse tree of Python's own regex parser (``re._parser``; ``sre_parse`` before
3.11) and emits one character per node: literals, classes and ranges, ``\\d \\w \\s``,
alternation, groups and back-references, repeats (the minimum plus up to three more).
Anchors and lookarounds emit nothing; the result is checked with ``re.search`` (JSON
Schema patterns are unanchored) and retried, so what is returned always matches.
``None`` means the pattern cannot be parsed or produced (ECMA-only syntax, lookarounds
that keep failing): the caller then falls back to an ordinary string. A pattern whose
shortest match is longer than fakeopenai makes raises ``PatternTooLong``.
"""

from __future__ import annotations

import importlib
import random
import re
import string
import sys
import time
from typing import Any

from fakeopenai.budgets.regex import RegexBudgetExceeded, compile_regex

# The parser is private; the module moved in 3.11 and the old name warns there.
_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")

_ATTEMPTS = 25
# Seconds all attempts for one string may take, the checks of candidates on the
# ``regex`` engine included: ``^(?:a|a){32}(?=b)`` backtracks 2**32 ways on ``re``.
_TIME_BUDGET = 0.1
_BUDGET = 100_000  # pattern nodes emitted for one string (repeats nest: (a{1000}){1000})
_EXTRA_REPEATS = 3
_PRINTABLE = string.ascii_letters + string.digits + " -_.,:;!?@#/"
_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters + "-_ ",
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_NOT_WORD": " -.,:;!?",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits,
}


def _class_chars(items: list[tuple[Any, Any]]) -> str:
    """Every character a non-negated ``[...]`` class allows (ranges capped for speed)."""
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 255) + 1))
        elif name == "CATEGORY":
            chars.extend(_CATEGORY_CHARS.get(str(arg), ""))
    return "".join(chars)


def _in(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    if items and str(items[0][0]) == "NEGATE":
        banned = set(_class_chars(items[1:]))
        allowed = [c for c in _PRINTABLE if c not in banned and not _in_categories(c, items)]
        return rng.choice(allowed) if allowed else "~"
    pool = _class_chars(items)
    return rng.choice(pool) if pool else ""


def _in_categories(char: str, items: list[tuple[Any, Any]]) -> bool:
    """Whether ``char`` falls in a category of a negated class (``[^\\d]``...)."""
    return any(
        str(op) == "CATEGORY" and char in _CATEGORY_CHARS.get(str(arg), "") for op, arg in items
    )


class _TooLong(Exception):
    """Raised inside ``_emit`` when the budget runs out."""


class PatternTooLong(ValueError):
    """The pattern's shortest match is longer than fakeopenai makes (``a{1000000000}``),
    or checking a candidate against it runs past the time budget."""


def _emit(nodes: Any, rng: random.Random, groups: dict[int, str], budget: list[int]) -> str:
    out: list[str] = []
    for op, arg in nodes:
        budget[0] -= 1  # a node, a repeat: each costs, even one that emits nothing
        if budget[0] < 0:
            raise _TooLong
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in string.ascii_letters if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_letters + string.digits))
        elif name == "IN":
            out.append(_in(arg, rng))
        elif name == "CATEGORY":
            out.append(rng.choice(_CATEGORY_CHARS.get(str(arg), "x")))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng, groups, budget))
        elif name == "SUBPATTERN":
            group, _, _, sub = arg
            text = _emit(sub, rng, groups, budget)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, rng, groups, budget))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = rng.randint(low, min(high, low + _EXTRA_REPEATS))
            if count > budget[0]:  # also bounds a repeat of nothing: (?:){1000000000}
                raise _TooLong
            out.extend(_emit(sub, rng, groups, budget) for _ in range(count))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name == "GROUPREF_EXISTS":
            group, yes, no = arg
            chosen = yes if group in groups else no
            out.append(_emit(chosen, rng, groups, budget) if chosen is not None else "")
        # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit; the final check decides.
    return "".join(out)


def matching_string(
    pattern: str,
    rng: random.Random,
    min_length: int = 0,
    max_length: int | None = None,
) -> str | None:
    """A string ``re.search(pattern, s)`` accepts, within the length bounds, or ``None``."""
    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    compiled: Any = None  # compiled after the first string: sized by _emit's budget first
    deadline = time.monotonic() + _TIME_BUDGET
    for _ in range(_ATTEMPTS):
        left = deadline - time.monotonic()
        if left <= 0:
            return None  # the caller falls back to an ordinary string
        try:
            text = _emit(tree, rng, {}, [_BUDGET])
        except _TooLong:
            raise PatternTooLong(
                f"pattern {pattern[:40]!r} asks for a string longer than fakeopenai makes"
                f" ({_BUDGET:,} pattern steps): fakeopenai stops there"
            ) from None
        if len(text) < min_length:  # padding keeps an unanchored pattern matching
            text += "".join(
                rng.choice(string.ascii_lowercase) for _ in range(min_length - len(text))
            )
        if max_length is not None and len(text) > max_length:
            continue
        if compiled is None:
            try:
                compiled = compile_regex(pattern)
            except ValueError:  # what ``regex`` cannot run
                return None
        try:
            if compiled.search(text, timeout=left, concurrent=True):  # GIL released
                return text
        except TimeoutError:
            raise PatternTooLong(str(RegexBudgetExceeded(pattern, text, _TIME_BUDGET))) from None
    return None
