"""The heap of a process that only serves (``fakeopenai serve``, ``fakeopenai record``):
the garbage collector's thresholds, the warmed heap frozen, glibc's allocator told to
give large blocks back. Never for a test process, whose heap is not ours to tune."""

from __future__ import annotations

import gc
import sys
import threading
from typing import Any

# Collect the young generation every 50,000 net allocations instead of 700. Each young
# collection walks every young object still alive (the state of the streams under way),
# and each pause delays every stream's next piece: at 5,000 pieces a second the default
# meant several pauses of 2-4 ms a second, which set the 99th percentile of the pacing.
# Garbage without cycles is freed at once anyway; cyclic garbage just waits longer.
YOUNG_THRESHOLD = 50_000


M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameters
M_ARENA_MAX = -8


def tame_malloc() -> bool:
    """For a process that only serves (``fakeopenai serve``): have glibc's allocator
    give large blocks back to the system. By default it raises its mmap threshold each
    time a large block is freed, so 1 MB request bodies soon come from the heap, whose
    holes it keeps; with worker threads, in up to 8 arenas per core. A soak with 1 MB
    prompts then grew by ~3 MB per prompt with nothing alive holding them. A fixed
    threshold (128 KiB) and two arenas keep the memory flat. A no-op elsewhere."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, 128 * 1024)) and bool(mallopt(M_ARENA_MAX, 2))


def settle_heap(app: Any) -> threading.Thread:
    """For a process that does nothing but serve ``app`` (``fakeopenai serve``): once it
    has warmed up, move every object alive into the garbage collector's permanent
    generation (``gc.freeze``) and collect the young generation less often, in a daemon
    thread.

    Faker's data, the imported modules and the loaded scenarios live as long as the
    process; left in the collector's care, each full collection walks them all, a pause
    of ~70 ms on a small machine that stalls every stream at once. Never for a test
    process (the pytest plugin), whose heap and collector are not ours to tune.
    """

    def freeze() -> None:
        app.state.warmed.wait()
        gc.collect()
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, older, oldest)

    thread = threading.Thread(target=freeze, name="fakeopenai-settle-heap", daemon=True)
    thread.start()
    return thread
