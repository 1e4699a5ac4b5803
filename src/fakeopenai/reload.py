"""``--reload``: reload the scenario paths when their files change.

A daemon thread polls the files' (mtime, size, inode) a few times a second. Polling,
not watchfiles/inotify: a handful of stat calls cost nothing, need no compiled
dependency, and also work where file events don't (Docker bind mounts from macOS,
network drives, editors that save by rename). A change is reloaded once the files have
stopped changing for a moment (editors write in several steps), then swapped in with
``Engine.replace``, which is atomic: requests in flight keep the reply they were given,
open streams keep their frames. A broken edit keeps the previous rules and logs every
``file:line`` problem.

Scenarios sent with ``PUT /_fakeopenai/scenarios`` pause reloading (the control API sets
``Engine.reload_paused`` and says so on the console): an edit saved meanwhile is logged,
not loaded, until ``POST /_fakeopenai/reset`` resumes reloading; the files are then
loaded at once if they changed while paused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from fakeopenai.engine import Engine
from fakeopenai.errors import ScenarioError
from fakeopenai.loader import LoadedScenario, load_paths
from fakeopenai.sources import is_scenario_file

INTERVAL = 0.2  # seconds between polls: an edit is live well within a second
SETTLE = 0.05  # the files must look the same this long apart before a reload

log = logging.getLogger("fakeopenai.reload")

Stamp = tuple[tuple[str, int, int, int], ...]


def stamp(paths: Sequence[str]) -> Stamp:
    """What the scenario paths look like now: each file (or directory) and its stat."""
    seen: list[tuple[str, int, int, int]] = []
    for raw in paths:
        path = Path(raw)
        candidates = [path]
        if path.is_dir():
            with contextlib.suppress(OSError):  # unreadable: the loader will say so
                # only what the loader loads: an editor's .swp or backup file is no edit
                candidates += sorted(filter(is_scenario_file, path.iterdir()))
        for item in candidates:
            try:
                info = item.stat()
            except OSError:  # vanished between listing and stat: next poll sees it
                continue
            seen.append((os.fspath(item), info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(seen)


class Reloader:
    """Watches ``paths`` and swaps freshly loaded scenarios into ``engine``."""

    def __init__(
        self,
        engine: Engine,
        paths: Sequence[str],
        *,
        interval: float = INTERVAL,
        load: Callable[[list[str]], list[LoadedScenario]] = load_paths,
    ) -> None:
        self.engine = engine
        self.paths = [os.fspath(p) for p in paths]
        self.interval = interval
        self._load = load
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = stamp(self.paths)
        self.reloads = 0  # successful reloads, for tests and the curious
        self.error: ScenarioError | None = None  # the last broken edit, until fixed
        self._missed = False  # the files changed while reloading was paused

    def start(self) -> Reloader:
        """Start watching in a daemon thread."""
        self.engine.watched = True
        self._thread = threading.Thread(target=self._run, name="fakeopenai-reload", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (returns within one poll interval)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval * 5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> bool:
        """Reload if the files changed since the last look (or while reloading was
        paused); True when it reloaded or tried to."""
        now = stamp(self.paths)
        if self.engine.reload_paused:
            if now != self._last:
                self._last, self._missed = now, True
                log.warning(
                    "fakeopenai: %s changed; not reloaded: the scenarios sent with PUT "
                    "/_fakeopenai/scenarios stay until POST /_fakeopenai/reset resumes reloading",
                    ", ".join(self.paths),
                )
            return False
        if now == self._last and not self._missed:
            return False
        self._missed = False
        while not self._stop.wait(SETTLE):  # let a multi-step save finish
            settled = stamp(self.paths)
            if settled == now:
                break
            now = settled
        self._last = now
        self.reload()
        return True

    def reload(self) -> None:
        """Load the paths again; swap them in, or keep the old rules and log why not."""
        try:
            scenarios = self._load(self.paths)
        except ScenarioError as exc:
            log.error(
                "%s\nfakeopenai: kept the previous scenarios; fix the file(s) to reload.", exc
            )
            self.error = exc  # after the log line: whoever sees the error can read why
            return
        self.engine.replace(scenarios)
        self.error = None
        self.reloads += 1
        rules = sum(len(s.rules) for s in scenarios)
        names = ", ".join(s.name for s in scenarios)
        log.info(
            "fakeopenai: reloaded %d scenario%s, %d rule%s (%s)",
            len(scenarios),
            "s" * (len(scenarios) != 1),
            rules,
            "s" * (rules != 1),
            names,
        )


def install_upload(engine: Engine, scenarios: Sequence[LoadedScenario]) -> None:
    """Swap in scenarios sent with PUT; on a watched engine, pause reloading (a file
    save would silently replace them) and say so on the console."""
    engine.replace(scenarios)
    if engine.watched and not engine.reload_paused:
        engine.reload_paused = True
        log.warning(
            "fakeopenai: scenarios replaced by PUT /_fakeopenai/scenarios; --reload is "
            "paused (file edits are not loaded) until POST /_fakeopenai/reset"
        )


def reset_engine(engine: Engine) -> None:
    """``POST /_fakeopenai/reset``: clear the counters; resume a paused reloading, and
    say so."""
    engine.reset()
    if engine.reload_paused:
        engine.reload_paused = False
        log.warning(
            "fakeopenai: --reload resumed: the next change to the scenario files replaces "
            "the scenarios sent with PUT (a change made while paused loads now)"
        )
