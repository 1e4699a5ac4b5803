"""Every hostile scenario file in ``corpus/`` loads, or is refused with a clear
``file:line`` error, within the time bound and without any other exception."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import CORPUS, SECONDS

from fakeopenai.errors import ScenarioError
from fakeopenai.loader import load_paths

FILES = sorted(CORPUS.glob("*.yaml"))
REFUSED = {"alias_bomb_match_json", "alias_bomb_tool_arguments", "self_alias"}


def test_the_corpus_covers_the_issue() -> None:
    assert len(FILES) >= 13


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_file_loads_or_is_refused_clearly(path: Path) -> None:
    assert path.read_text().startswith("# Row ")  # each file says what it attacks
    started = time.perf_counter()
    try:
        load_paths([path])
    except ScenarioError as exc:
        assert path.stem in REFUSED, str(exc)
        assert all(f"{path}:" in str(issue) for issue in exc.issues), str(exc)
    else:
        assert path.stem not in REFUSED
    assert time.perf_counter() - started < SECONDS
