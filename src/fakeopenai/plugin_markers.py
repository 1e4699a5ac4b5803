"""What a test asks of the fake, read from its ``@pytest.mark.fakeopenai`` markers.

Part of the pytest plugin (``fakeopenai.plugin``), so it imports only pytest and the
standard library. Mistakes in a marker fail the test with the fix: a marker spelt like
the fixture (``@pytest.mark.fake_openai``) or nearly like ours would otherwise be
ignored without a word (pytest accepts any marker name unless ``--strict-markers``),
and a misspelt keyword would be lost.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest

MARKER = "fakeopenai"
MARKER_KEYWORDS = ("strict", "seed", "recording")  # recording=: fakeopenai.recording.modes


class Wanted(NamedTuple):
    """What one test asks of the server."""

    paths: tuple[str, ...]  # resolved scenario paths, in load order
    origin: str  # where they came from, for messages
    strict: bool
    seed: int | None = None


def fail(message: str) -> NoReturn:
    """Fail the current test with ``message`` and no traceback."""
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


def resolve(paths: Sequence[str | os.PathLike[str]], bases: Sequence[Path]) -> tuple[str, ...]:
    """Absolute paths: each relative one against the first base where it exists (else
    the first base, so the loader's "no such file" names a real location)."""
    resolved = []
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            candidates = [base / path for base in bases]
            path = next((c for c in candidates if c.exists()), candidates[0])
        resolved.append(str(path))
    return tuple(resolved)


def _squashed(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def check_marker_names(item: pytest.Item) -> None:
    """Fail on a marker that is almost ours: ``fake_openai``, ``fakeopenia``, ``FakeOpenAI``."""
    registered = {
        line.split(":")[0].split("(")[0].strip() for line in item.config.getini("markers")
    }
    for mark in item.iter_markers():
        name = mark.name
        if name == MARKER or name in registered:  # a real marker (ours or another plugin's)
            continue
        close = difflib.SequenceMatcher(None, _squashed(name), MARKER).ratio() >= 0.8
        if _squashed(name) == MARKER or close:
            fail(
                f"fakeopenai: unknown marker @pytest.mark.{name} on {item.nodeid}: did you "
                f"mean @pytest.mark.{MARKER}? (the fixture is fake_openai, the marker "
                f"{MARKER}; as spelt, the marker would be ignored)"
            )


def _check_keywords(keywords: dict[str, Any]) -> None:
    unknown = sorted(set(keywords) - set(MARKER_KEYWORDS))
    for key in unknown:
        near = difflib.get_close_matches(key, MARKER_KEYWORDS, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}=?" if near else "it takes scenario paths"
        fail(
            f"fakeopenai: @pytest.mark.{MARKER} got unknown argument {key}= ({hint}; "
            "the marker takes scenario paths, strict=, seed= and recording=)"
        )


def wanted(item: pytest.Item, default: Wanted, strict_default: bool) -> Wanted:
    """The scenarios, strictness and seed for ``item``: its closest markers, else the
    session ``default``."""
    check_marker_names(item)
    paths: tuple[Any, ...] | None = None
    options: dict[str, Any] = {}
    for mark in item.iter_markers(MARKER):  # closest first: function, class, module
        _check_keywords(dict(mark.kwargs))
        if paths is None and mark.args:
            paths = mark.args
        for key, value in mark.kwargs.items():
            options.setdefault(key, value)
    strict, seed = options.get("strict", strict_default), options.get("seed")
    bad = [p for p in paths or () if not isinstance(p, str | os.PathLike)]
    if bad or not isinstance(strict, bool) or not (seed is None or isinstance(seed, int)):
        fail(
            f"fakeopenai: @pytest.mark.{MARKER} takes scenario paths (str or Path), "
            f"strict=<bool> and seed=<int>; got paths {list(paths or ())!r}, "
            f"strict={strict!r}, seed={seed!r}"
        )
    if paths is None:
        return Wanted(default.paths, default.origin, strict, seed)
    resolved = resolve(paths, search_dirs(item))
    return Wanted(resolved, f"@pytest.mark.{MARKER} on {item.nodeid}", strict, seed)


def search_dirs(item: pytest.Item) -> tuple[Path, ...]:
    """Where a test's relative scenario paths are looked for: its file's folder, then
    the rootdir (for the marker and for ``fake_openai.load``)."""
    return (item.path.parent, Path(item.config.rootpath))
