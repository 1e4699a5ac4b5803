"""Where recording work runs: one thread for the whole process, never the event loop.

Splitting a stream into frames, building the rule, dumping its YAML and rewriting the
file are CPU work under the GIL. On the loop, 50 streams ending together held every
other stream's next piece for their whole parse. In ``asyncio.to_thread`` (a pool of
up to six threads), each thread waiting for the GIL was one more in the queue the loop
stands in with a piece in hand: CPython hands the GIL over only after the holder has
run a switch interval (5 ms by default), once per waiting thread in the worst case.
One thread keeps that queue one deep; the work is the same.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_thread: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _recorder() -> ThreadPoolExecutor:
    global _thread  # one per process, made on first use, shared by every proxy
    with _lock:
        if _thread is None:
            _thread = ThreadPoolExecutor(1, thread_name_prefix="fakeopenai-recorder")
        return _thread


async def off_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in the recorder thread; its result, once done."""
    return await asyncio.get_running_loop().run_in_executor(_recorder(), work)
