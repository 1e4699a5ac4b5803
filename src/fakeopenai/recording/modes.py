"""The pytest record modes (SPEC §5), vcrpy's names: ``none`` (replay only; the
default), ``once`` (record a test's file when it does not exist yet), ``new_episodes``
(replay what matches, record what does not), ``all`` (record everything afresh).

Each test that uses ``fake_openai`` has its recording at ``<test file's
folder>/recordings/<test module>/<test name>.yaml`` unless its marker says
``recording="path.yaml"``. An existing recording is loaded after the test's scenarios;
while recording, a ``gate.Gate`` in front of the session's server forwards requests to
the upstream with the key ``OPENAI_API_KEY`` held when the session started.

Imports only pytest and the standard library: the plugin imports this module.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest

if TYPE_CHECKING:
    from fakeopenai.fake import FakeOpenAI
    from fakeopenai.recording.gate import Gate


class _Wanted(Protocol):
    """The plugin's ``Wanted`` (a NamedTuple), as far as this module reads it."""

    @property
    def paths(self) -> tuple[str, ...]: ...

    def _replace(self, *, paths: tuple[str, ...]) -> Any: ...


W = TypeVar("W", bound=_Wanted)

MODES = ("none", "once", "new_episodes", "all")
INI_RECORD = "fakeopenai_record"
DEFAULT_UPSTREAM = "https://api.openai.com/v1"
_KEY = pytest.StashKey[str | None]()
_GATE: pytest.StashKey[Gate] = pytest.StashKey()


def addoption(parser: pytest.Parser, group: Any) -> None:
    """``--fakeopenai-record``, ``--fakeopenai-upstream`` and the ini key."""
    group.addoption(
        "--fakeopenai-record",
        dest="fakeopenai_record",
        choices=MODES,
        default=None,
        help="record mode: none (replay only; default), once, new_episodes, all.",
    )
    group.addoption(
        "--fakeopenai-upstream",
        dest="fakeopenai_upstream",
        metavar="URL",
        default=DEFAULT_UPSTREAM,
        help=f"where recording sends requests (default {DEFAULT_UPSTREAM}).",
    )
    parser.addini(INI_RECORD, default="none", help="record mode (see --fakeopenai-record).")


def configure(config: pytest.Config) -> None:
    """Note the key to record with: ``OPENAI_API_KEY`` as the session starts."""
    config.stash[_KEY] = os.environ.get("OPENAI_API_KEY")


def mode(config: pytest.Config) -> str:
    chosen = config.getoption("fakeopenai_record") or config.getini(INI_RECORD) or "none"
    if chosen not in MODES:
        raise pytest.UsageError(
            f"fakeopenai: {INI_RECORD} = {chosen!r} is not a record mode; use one of "
            f"{', '.join(MODES)}"
        )
    return str(chosen)


def recording_path(item: pytest.Item, given: Any) -> Path:
    """The test's recording file: the marker's (relative to the test file's folder),
    else ``recordings/<module>/<test name>.yaml`` beside the test file."""
    folder = item.path.parent
    if given is not None:
        path = Path(os.fspath(given))
        return path if path.is_absolute() else folder / path
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", item.name)
    return folder / "recordings" / item.path.stem / f"{name}.yaml"


def header(config: pytest.Config) -> str | None:
    """A report-header line when recording, else None."""
    chosen = mode(config)
    if chosen == "none":
        return None
    return f"fakeopenai: record mode {chosen}, upstream {config.getoption('fakeopenai_upstream')}"


class Episode:
    """One test's recording: whether it replays, records, or both, and its file."""

    def __init__(self, item: pytest.Item, given: Any) -> None:
        self.config = item.config
        self.mode = mode(item.config)
        self.path = recording_path(item, given)
        self.given = given is not None
        exists = self.path.exists()
        self.records = self.mode in ("all", "new_episodes") or (self.mode == "once" and not exists)
        self.replays = exists and self.mode != "all"  # ("all" records it afresh)

    def paths(self, paths: tuple[str, ...]) -> tuple[str, ...]:
        """The test's scenario paths, with its recording when it replays."""
        if not self.replays:
            return paths
        return (*paths, str(self.path))

    def missing(self) -> str | None:
        """Why the test cannot run: a named recording that does not exist, in replay."""
        if self.given and not self.records and not self.path.exists():
            return (
                f"fakeopenai: no recording at {self.path}; record it with "
                "--fakeopenai-record=once (and OPENAI_API_KEY set)"
            )
        if self.records and not self.config.stash.get(_KEY, None):
            return (
                f"fakeopenai: record mode {self.mode} needs OPENAI_API_KEY set when the "
                "session starts: requests go upstream with that key"
            )
        return None

    def start(self, fake: FakeOpenAI) -> None:
        """Put the gate in front of ``fake`` (once per session) and open this file."""
        from fakeopenai.recording.gate import Gate

        gate = self.config.stash.get(_GATE, None)
        if gate is None:
            gate = Gate.install(fake)
            self.config.stash[_GATE] = gate
        gate.begin(
            self.path,
            upstream=str(self.config.getoption("fakeopenai_upstream")),
            key=self.config.stash.get(_KEY, None),
            keep=self.mode == "new_episodes",
            only_misses=self.mode == "new_episodes",
        )

    def end(self) -> None:
        gate = self.config.stash.get(_GATE, None)
        if gate is not None:
            gate.end()


def begin(item: pytest.Item, fake: FakeOpenAI, wanted: W) -> tuple[W, Episode | None]:
    """The test's wanted scenarios (its recording added when it replays) and its
    ``Episode`` when recordings concern it (None: plain scenarios, as without this)."""
    given = next((m.kwargs["recording"] for m in item.iter_markers("fakeopenai")
                  if "recording" in m.kwargs), None)  # fmt: skip
    if not isinstance(given, str | os.PathLike | None):
        pytest.fail(f"fakeopenai: recording= takes a path, got {given!r}", pytrace=False)
    chosen = mode(item.config)
    if chosen == "none" and given is None and not recording_path(item, None).exists():
        return wanted, None
    episode = Episode(item, given)
    problem = episode.missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    if episode.records:
        episode.start(fake)
    replaced: W = wanted._replace(paths=episode.paths(wanted.paths))
    return replaced, episode


def end(episode: Episode | None) -> None:
    """After the test: the exchanges under way are in the file; recording stops."""
    if episode is not None and episode.records:
        episode.end()
