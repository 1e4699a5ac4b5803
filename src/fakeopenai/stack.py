"""Which HTTP parser and event loop serve: the fast stack unless told otherwise.

uvicorn can parse HTTP with ``httptools`` (C) or ``h11`` (pure Python), and run on
``uvloop`` (libuv) or asyncio's own loop. The fast pair costs half the CPU a request of
the plain one (docs/design/performance.md), so both are dependencies and chosen by
default; everything works on the plain pair too, and CI runs part of the suite on it.

``FAKEOPENAI_HTTP`` (``auto``, ``httptools``, ``h11``) and ``FAKEOPENAI_LOOP``
(``auto``, ``uvloop``, ``asyncio``) choose for every server fakeopenai starts: the
pytest fixture's, ``FakeOpenAI``'s and ``fakeopenai serve``'s (whose ``--http`` and
``--loop`` options read the same variables).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

HTTP_ENV = "FAKEOPENAI_HTTP"
LOOP_ENV = "FAKEOPENAI_LOOP"
HTTP_CHOICES = ("auto", "httptools", "h11")
LOOP_CHOICES = ("auto", "uvloop", "asyncio")

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


@dataclass(frozen=True)
class Stack:
    """The HTTP implementation and event loop a server runs on (resolved names)."""

    http: str  # "httptools" or "h11"
    loop: str  # "uvloop" or "asyncio"

    def loop_factory(self) -> LoopFactory:
        """What makes a new event loop of this kind."""
        if self.loop == "uvloop":
            import uvloop

            return uvloop.new_event_loop
        return asyncio.new_event_loop

    def as_dict(self) -> dict[str, str]:
        """For the health endpoint: what this process serves with."""
        return {"http": self.http, "loop": self.loop}


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _pick(choice: str | None, env: str, choices: tuple[str, ...], fast: str, plain: str) -> str:
    wanted = (choice or os.environ.get(env) or "").strip().lower() or "auto"
    if wanted not in choices:
        raise ValueError(
            f"fakeopenai: {env}={wanted!r} is not one of {', '.join(choices)}; "
            f"unset it for the default ({fast} when installed)"
        )
    if wanted == "auto":
        return fast if _installed(fast) else plain
    if not _installed(wanted):
        raise ValueError(
            f"fakeopenai: {wanted} is not installed (asked for by {env} or the option); "
            f"choose {plain}, or auto"
        )
    return wanted


def resolve(http: str | None = None, loop: str | None = None) -> Stack:
    """The stack for ``http`` and ``loop`` (None: the environment's choice, else
    ``auto``, the fast one where installed). ``ValueError`` names a bad choice."""
    return Stack(
        http=_pick(http, HTTP_ENV, HTTP_CHOICES, "httptools", "h11"),
        loop=_pick(loop, LOOP_ENV, LOOP_CHOICES, "uvloop", "asyncio"),
    )


def run(main: Coroutine[Any, Any, T], factory: LoopFactory) -> T:
    """``asyncio.run(main)`` on a loop made by ``factory`` (``asyncio.run`` takes a
    factory only from Python 3.12 on; ``asyncio.Runner`` from 3.11)."""
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(main)
    loop = factory()  # pragma: no cover  (3.10)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
