"""Where recording work runs: one thread for the whole process, never the event loop,
and exchanges that end together written to their file together.

Splitting a stream into frames, building the rule, dumping its YAML and rewriting the
file are CPU work under the GIL. On the loop, 50 streams ending together held every
other stream's next piece for their whole parse. In ``asyncio.to_thread`` (a pool of
up to six threads), each thread waiting for the GIL was one more in the queue the loop
stands in with a piece in hand. One thread keeps that queue one deep. It takes every
job waiting, does them, then rewrites each file they touched once: under load, 50
exchanges cost one rewrite, not 50 (each a whole file: the n-th grows with n).
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Flushable(Protocol):
    """A file with changes to write (``RecordingFile``)."""

    def flush(self) -> None: ...


_jobs: queue.SimpleQueue[tuple[Callable[[], Any], Flushable, Future[Any]]] = queue.SimpleQueue()
_started = False
_lock = threading.Lock()


def _forked() -> None:
    """A forked child has no recorder thread (only the thread that forked lives on): it
    starts its own, with a queue and a lock of its own."""
    global _jobs, _started, _lock
    _jobs, _started, _lock = queue.SimpleQueue(), False, threading.Lock()


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_forked)


async def record(work: Callable[[], T], file: Flushable) -> T:
    """Run ``work`` (which changes ``file`` without writing it) in the recorder thread;
    its result once ``file`` has been written with it."""
    global _started  # one thread per process, started on first use
    with _lock:
        if not _started:
            threading.Thread(target=_run, name="fakeopenai-recorder", daemon=True).start()
            _started = True
    done: Future[T] = Future()
    _jobs.put((work, file, done))
    return await asyncio.wrap_future(done)


def _run() -> None:
    while True:
        batch = [_jobs.get()]
        while not _jobs.empty():  # whatever else is waiting: written together
            batch.append(_jobs.get())
        # From here on a job cannot be cancelled (its task may be, when a server
        # stops): its exchange is recorded all the same.
        awaited = [done.set_running_or_notify_cancel() for _, _, done in batch]
        outcomes: list[tuple[Any, BaseException | None]] = []
        for work, _, _ in batch:
            try:
                outcomes.append((work(), None))
            except BaseException as exc:  # handed to the awaiting task
                outcomes.append((None, exc))
        failed: dict[int, BaseException] = {}
        for file in {id(file): file for _, file, _ in batch}.values():
            try:
                file.flush()
            except BaseException as exc:  # a full disk, a folder gone: tell each one
                failed[id(file)] = exc
        for (_, file, done), (result, error), wanted in zip(batch, outcomes, awaited, strict=True):
            problem = error or failed.get(id(file))
            if not wanted:
                continue
            if problem is not None:
                done.set_exception(problem)
            else:
                done.set_result(result)
