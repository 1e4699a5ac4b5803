"""The recorder thread: jobs waiting together are written together, each awaiting task
gets its own result or error, and a file that cannot be written fails its jobs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from fakeopenai.recording import recorder


class File:
    """A ``Flushable`` that counts its writes (and can be told to fail)."""

    def __init__(self, fail: bool = False) -> None:
        self.flushes = 0
        self.fail = fail

    def flush(self) -> None:
        self.flushes += 1
        if self.fail:
            raise OSError("No space left on device")


async def test_jobs_that_wait_together_are_written_together():
    file = File()
    started, gate = threading.Event(), threading.Event()
    head = asyncio.ensure_future(recorder.record(lambda: blocked(started, gate), file))
    assert await asyncio.to_thread(started.wait, 10)  # the thread is on the first job
    rest = [asyncio.ensure_future(recorder.record(lambda i=i: i, file)) for i in range(20)]
    await asyncio.sleep(0)  # each task queues its job
    gate.set()
    assert await head == "blocked"
    assert await asyncio.gather(*rest) == list(range(20))
    assert file.flushes == 2  # one for the first job, one for the 20 behind it


async def test_each_job_gets_its_own_error_and_a_failed_write_fails_its_jobs():
    def broken() -> None:
        raise ValueError("not the API's shape")

    good, bad = File(), File(fail=True)
    results = await asyncio.gather(
        recorder.record(broken, good),
        recorder.record(lambda: "kept", good),
        recorder.record(lambda: "lost", bad),
        return_exceptions=True,
    )
    assert isinstance(results[0], ValueError)
    assert results[1] == "kept"
    assert isinstance(results[2], OSError)
    assert good.flushes >= 1


async def test_cancelled_waits_do_not_stop_the_thread():
    file, done = File(), []
    started, gate = threading.Event(), threading.Event()
    running = asyncio.ensure_future(recorder.record(lambda: blocked(started, gate), file))
    assert await asyncio.to_thread(started.wait, 10)
    queued = asyncio.ensure_future(recorder.record(lambda: done.append("queued"), file))
    await asyncio.sleep(0)
    for task in (running, queued):  # a server stopping cancels its requests
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    gate.set()
    assert await recorder.record(lambda: "after", file) == "after"
    assert done == ["queued"]  # recorded all the same


def blocked(started: threading.Event, gate: threading.Event) -> str:
    """A job that holds the recorder thread until ``gate`` opens."""
    started.set()
    gate.wait(10)
    return "blocked"
