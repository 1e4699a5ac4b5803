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
import importlib
import sys
from contextvars import ContextVar
from time import thread_time
from typing import Any

import regex

from fakeopenai.errors import FakeOpenAIError

# Python's own regex parser (private; moved in 3.11), to size a pattern before ``regex``
# compiles it: ``regex`` unrolls counted repeats, so ``a{1000000000}`` exhausts memory.
_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
MAX_UNROLLED = 100_000  # pattern nodes once counted repeats are unrolled
# Seconds of CPU time, as the engine counts them: its timeout reads the process's CPU
# clock, not the wall clock. Exact on an idle machine; with more busy threads than cores
# the wall time stretches by the run queue (20 ms took 100-240 ms with 6 busy processes
# on 2 cores), and other threads of this process working at once use up the same budget
# (a search then gets its share of it). A sane search takes microseconds.
SEARCH_TIMEOUT = 0.02
# Seconds all the searches made for one request share (``Engine.pick``: matching, and
# explaining a miss): ``any_message`` searches every message, so a budget per search
# alone let 1,200 messages take 1,200 of them.
REQUEST_BUDGET = 0.05
# What is left of this request's budget, in seconds of this thread's CPU time spent
# searching (None: no request budget; a search gets its own timeout only). CPU time, not
# a wall-clock deadline: on a loaded machine the scheduler's delays would otherwise use
# up a benign request's budget and answer it with a 500.
LEFT: ContextVar[list[float] | None] = ContextVar("fakeopenai_regex_left", default=None)


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
    """The compiled pattern (once per pattern). Raises ``ValueError`` for bad syntax or
    for counted repeats too large to unroll (more than ``MAX_UNROLLED`` nodes)."""
    try:
        size = unrolled(_parser.parse(pattern))
    except Exception as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
    if size > MAX_UNROLLED:
        raise ValueError(
            f"regex {pattern[:60]!r} has counted repeats too large to run (about {size:,} "
            f"steps unrolled, at most {MAX_UNROLLED:,})"
        )
    try:
        return regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError, MemoryError) as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from None


def unrolled(nodes: Any, cap: int = MAX_UNROLLED) -> int:
    """About how many nodes a parsed pattern makes once ``regex`` unrolls its counted
    repeats (each repeat's minimum: ``a{0,1000000000}`` compiles at once, ``a{10**9}``
    does not), counted up to just past ``cap``."""
    total = 0
    for op, arg in nodes:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = arg
            total += max(low, 1) * unrolled(sub, cap)
        elif name == "SUBPATTERN":
            total += unrolled(arg[3], cap)
        elif name == "ATOMIC_GROUP" or name in ("ASSERT", "ASSERT_NOT"):
            total += unrolled(arg if name == "ATOMIC_GROUP" else arg[1], cap)
        elif name == "BRANCH":
            total += sum(unrolled(branch, cap) for branch in arg[1])
        else:
            total += 1
        if total > cap:
            return total
    return total


def search(pattern: str, text: str, timeout: float = SEARCH_TIMEOUT) -> bool:
    """Whether ``pattern`` is found in ``text``; ``RegexBudgetExceeded`` past ``timeout``
    or past what is ``LEFT`` of the request's budget, whichever comes first."""
    budget = timeout
    left = LEFT.get()
    if left is not None and left[0] < timeout:
        budget = REQUEST_BUDGET  # (the budget named when it runs out)
        if left[0] <= 0:
            raise RegexBudgetExceeded(pattern, text, budget)
        timeout = left[0]
    started = thread_time()
    try:
        return compile_regex(pattern).search(text, timeout=timeout) is not None
    except TimeoutError:
        raise RegexBudgetExceeded(pattern, text, budget) from None
    except ValueError as exc:  # ``re`` accepted it at load, ``regex`` does not
        raise FakeOpenAIError(f"fakeopenai: {exc}") from None
    finally:
        if left is not None:
            left[0] -= thread_time() - started
