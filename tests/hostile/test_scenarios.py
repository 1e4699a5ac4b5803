"""Rows 4, 9, 13 and 14: hostile scenario files and PUT bodies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from harness import CORPUS, bounded, is_envelope

from cli_server import Served

BOMBS = sorted(CORPUS.glob("alias_bomb_*.yaml"))


def _check(*paths: str | Path) -> tuple[int, str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "fakeopenai", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def test_check_refuses_an_alias_bomb_naming_the_alias() -> None:
    path = BOMBS[0]  # `fakeopenai check` itself, once (test_corpus loads them all)
    code, output, _ = _check(path)
    assert code == 1
    assert f"{path.name}:" in output and "*h (anchored here)" in output
    assert "alias bomb" in output and "Traceback" not in output


@pytest.mark.parametrize("path", BOMBS, ids=lambda p: p.stem)
def test_put_of_an_alias_bomb_is_a_fast_400(
    served: Served, client: httpx.Client, path: Path
) -> None:
    text = path.read_text()
    outcome = bounded(served, lambda: client.put("/_fakeopenai/scenarios", content=text))
    answer = outcome.value
    assert answer.status_code == 400
    assert any("alias bomb" in issue for issue in answer.json()["error"]["issues"])
    assert client.get("/_fakeopenai/scenarios").status_code == 200


def test_put_json_nested_too_deep(served: Served, client: httpx.Client) -> None:
    body = '{"name": "deep", "rules": [{"name": "r", "match": {"json": ' + "[" * 100_000
    headers = {"content-type": "application/json"}
    outcome = bounded(
        served, lambda: client.put("/_fakeopenai/scenarios", content=body, headers=headers)
    )
    assert outcome.value.status_code == 400
    assert "nested 100,004 levels deep" in outcome.value.json()["error"]["issues"][0]


def test_put_json_with_a_duplicate_key(client: httpx.Client) -> None:
    body = '{"name": "dup", "rules": [], "rules": [{"name": "r", "reply": {"content": "x"}}]}'
    answer = client.put(
        "/_fakeopenai/scenarios", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "duplicate key 'rules'" in answer.json()["error"]["issues"][0]


BIG = 30_000_000
BIG_PUTS = {
    "yaml": ("name: big\nrules:\n  - name: r\n    reply: {content: '" + "x" * BIG + "'}\n", ""),
    "json": (
        json.dumps({"name": "big", "rules": [{"name": "r", "reply": {"content": "x" * BIG}}]}),
        "application/json",
    ),
}


@pytest.mark.parametrize("kind", BIG_PUTS)
def test_put_of_a_30_megabyte_scenario(
    scripted: Served, scripted_client: httpx.Client, kind: str
) -> None:
    served, client = scripted, scripted_client
    text, media = BIG_PUTS[kind]
    headers = {"content-type": media} if media else {}
    # Parsed in a child process (uploads.read_upload): libyaml holds the GIL for its
    # whole read of the 30 MB scalar (0.3-0.8 s), which in a thread stalled the loop.
    # The time bound is relaxed (reading and validating 30 MB takes seconds of CPU);
    # the health bound is not.
    outcome = bounded(
        served,
        lambda: client.put("/_fakeopenai/scenarios", content=text, headers=headers),
        seconds=20,
    )
    assert outcome.value.status_code == 200, outcome.value.text[:500]
    rules = client.get("/_fakeopenai/scenarios").json()["scenarios"][0]["rules"]
    assert [rule["name"] for rule in rules] == ["r"]


def test_a_large_put_with_problems_gets_its_issues(
    scripted: Served, scripted_client: httpx.Client
) -> None:
    text = "name: bad\nrules:\n  - name: r\n    reply: {contnt: '" + "x" * 3_000_000 + "'}\n"
    outcome = bounded(
        scripted, lambda: scripted_client.put("/_fakeopenai/scenarios", content=text), seconds=20
    )
    assert outcome.value.status_code == 400 and is_envelope(outcome.value)
    issue = outcome.value.json()["error"]["issues"][0]
    assert issue == "4: rules[0].reply: unknown key 'contnt' (did you mean 'content'?)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_check_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _refused_quickly(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_check_on_a_symlink_to_dev_zero(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    _refused_quickly(link)


def _refused_quickly(path: Path) -> None:
    """What `fakeopenai check` runs (``load_paths``), in-process: refused, at once."""
    from fakeopenai.errors import ScenarioError
    from fakeopenai.loader import load_paths

    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_paths([path])
    assert time.perf_counter() - started < 2
