"""Regular expressions that cannot freeze the server: compiled and run on the ``regex``
engine, whose searches take a timeout.

Why ``regex`` and not RE2 (``google-re2``, linear time): users write Python's ``re``
syntax, lookarounds and back-references included, in scenario ``regex:`` conditions and
in request JSON Schema ``pattern``s; RE2 refuses both. ``regex`` runs the same syntax
(its version 0 is ``re``-compatible) and stops a search that runs past its timeout, so a
catastrophic pattern (``^(a+)+$`` against ``"a" * 32 + "!"``) costs a bounded slice of
the event loop and gets a clear error instead of a frozen server.
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from fakeopenai.errors import FakeOpenAIError

SEARCH_TIMEOUT = 0.02  # seconds asked of the engine (it overruns ~3x); a sane search: µs


class RegexBudgetExceeded(FakeOpenAIError):
    """A search ran past its timeout: the pattern backtracks catastrophically on the text."""

    def __init__(self, pattern: str, text: str, timeout: float) -> None:
        shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
        super().__init__(
            f"fakeopenai: regex {shown!r} ran past its {timeout * 1000:g} ms budget on a "
            f"{len(text):,}-character text (catastrophic backtracking); rewrite it without "
            "nested repeats such as (a+)+"
        )
        self.pattern = pattern


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> Any:
    """The compiled pattern (once per pattern). Raises ``ValueError`` for bad syntax."""
    try:
        return regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from None


def search(pattern: str, text: str, timeout: float = SEARCH_TIMEOUT) -> bool:
    """Whether ``pattern`` is found in ``text``; ``RegexBudgetExceeded`` past ``timeout``."""
    try:
        return compile_regex(pattern).search(text, timeout=timeout) is not None
    except TimeoutError:
        raise RegexBudgetExceeded(pattern, text, timeout) from None
    except ValueError as exc:  # ``re`` accepted it at load, ``regex`` does not
        raise FakeOpenAIError(f"fakeopenai: {exc}") from None
