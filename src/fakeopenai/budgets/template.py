"""The budget of one template render: CPU time and what it may build.

Time: while a template renders, a trace function (``sys.settrace``, this thread only)
counts the lines of the template's own code (each loop iteration, each macro call) and
every Python call made under it (faker, filters), and reads the thread's CPU clock every
``_EVERY`` events; past ``CPU_SECONDS`` the render stops with ``TemplateBudgetExceeded``.
Nested ``range(100000)`` loops and a macro that calls itself twice stop there.

Memory: the sandbox (``generate.template_limits``) asks ``charge`` before and after each
operation that builds (``*``, ``+``, ``~``, joins, replaces, faker texts ...) and refuses
one whose result ``weight`` would pass ``MAX_VALUE``; everything a render builds counts
against ``MAX_BUILT`` in all. A C-level operation cannot be interrupted, so the sizes are
checked before it runs.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

CPU_SECONDS = 0.2  # CPU time of one render (a sane template takes well under 10 ms)
MAX_VALUE = 200_000  # characters or items in one value a template makes
MAX_BUILT = 2_000_000  # characters and items built in all by one render
MAX_INT_BITS = 100_000  # an integer's size (~30,000 digits)
_EVERY = 64  # trace events between reads of the CPU clock
_TEMPLATE_FILE = "<template>"  # what Jinja2 names the code of a template from a string


class TemplateBudgetExceeded(Exception):
    """A render ran past one of its bounds; the message names the bound."""


class _State(threading.local):
    active = False
    deadline: float | None = None
    shared: float | None = None  # the deadline of every render for one request
    built = 0
    events = 0


_state = _State()


def _check_time() -> None:
    _state.events += 1
    deadline = _state.deadline
    if _state.events % _EVERY == 0 and deadline is not None and time.thread_time() > deadline:
        _state.deadline = None  # raise once; the render unwinds
        raise TemplateBudgetExceeded(
            f"it ran past its CPU budget of {CPU_SECONDS * 1000:g} ms (loops or recursion too deep)"
        )


def _trace_lines(frame: FrameType, event: str, arg: Any) -> Any:
    _check_time()
    return _trace_lines


def _trace_calls(frame: FrameType, event: str, arg: Any) -> Any:
    _check_time()
    if frame.f_code.co_filename == _TEMPLATE_FILE:
        return _trace_lines  # the template's own lines: loops, macro bodies
    return None


@contextmanager
def rendering(cpu_seconds: float = CPU_SECONDS) -> Iterator[None]:
    """Run a render under the budget (this thread only). Nested use keeps the outer one."""
    if _state.active:
        yield
        return
    previous = sys.gettrace()
    _state.active = True
    _state.deadline = time.thread_time() + cpu_seconds
    if _state.shared is not None:
        _state.deadline = min(_state.deadline, _state.shared)
    else:
        _state.built = 0
    _state.events = 0
    sys.settrace(_trace_calls)
    try:
        yield
    finally:
        sys.settrace(previous)
        _state.active = False
        _state.deadline = None


@contextmanager
def one_request(cpu_seconds: float = CPU_SECONDS) -> Iterator[None]:
    """Every render inside shares one budget (a reply's templates, ``n`` choices)."""
    _state.shared = time.thread_time() + cpu_seconds
    _state.built = 0
    try:
        yield
    finally:
        _state.shared = None


def weight(value: Any, cap: int = MAX_VALUE) -> int:
    """About how many characters ``str(value)`` makes, counted up to just past ``cap``:
    ``[s] * 100000`` is cheap to build (100,000 references) but not to print or join."""
    total = 0
    stack = [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += 2 + len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 1
    return total


def charge(size: int, what: str) -> None:
    """Count ``size`` characters or items ``what`` makes; refuse past the bounds."""
    if size > MAX_VALUE:
        raise TemplateBudgetExceeded(
            f"{what} would make {size:,} characters or items (at most {MAX_VALUE:,} in a value)"
        )
    if not _state.active:
        return
    _state.built += size
    if _state.built > MAX_BUILT:
        raise TemplateBudgetExceeded(
            f"it built more than {MAX_BUILT:,} characters or items in all ({what})"
        )
