"""settle_heap: the serve process's long-lived heap leaves the garbage collector's care."""

from __future__ import annotations

import gc
import subprocess
import sys

from fakeopenai.heap import YOUNG_THRESHOLD

SCRIPT = """
import gc
from fakeopenai import create_app
from fakeopenai.heap import settle_heap
before = gc.get_threshold()[0]
app = create_app()
settle_heap(app).join(timeout=30)
print(before, gc.get_threshold()[0], gc.get_freeze_count() > 0)
"""


def test_settle_heap_freezes_the_warmed_heap_and_collects_young_objects_less_often() -> None:
    # In a child process: freezing is for a process that only serves, never this one.
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    default = str(gc.get_threshold()[0])  # this process's collector is untouched
    assert out == [default, str(YOUNG_THRESHOLD), "True"]
