"""Hot reload: the watcher itself, and ``fakeopenai serve --reload`` over real HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from cli_server import Served
from fakeopenai import FakeOpenAI
from fakeopenai.engine import Engine
from fakeopenai.loader import load_paths
from fakeopenai.reload import Reloader, stamp

HTTP = httpx.Client(timeout=10)


def scenario(text: str, chunk_ms: int = 0) -> str:
    latency = f"\n      latency: {{chunk_ms: {chunk_ms}}}" if chunk_ms else ""
    return f"name: live\nrules:\n  - name: answer\n    reply:\n      content: {text}{latency}\n"


BROKEN = "name: live\nrules:\n  - name: answer\n    reply:\n      contnt: typo\n"


def rule_text(engine: Engine) -> str | None:
    return engine.scenarios[0].rules[0].replies[0].content  # type: ignore[return-value]


def eventually(check: Callable[[], bool], within: float) -> float:
    """Seconds until ``check()`` holds; fails after ``within`` seconds."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not true within {within}s"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "live.yaml").write_text(scenario("first"))
    return tmp_path


@pytest.fixture
def watched(folder: Path) -> Iterator[tuple[Engine, Reloader]]:
    engine = Engine(load_paths([folder]))
    reloader = Reloader(engine, [str(folder)], interval=0.05).start()
    yield engine, reloader
    reloader.stop()


def test_an_edit_is_live_within_a_second(folder: Path, watched: tuple[Engine, Reloader]) -> None:
    engine, reloader = watched
    (folder / "live.yaml").write_text(scenario("second"))
    assert eventually(lambda: rule_text(engine) == "second", within=3.0) < 3.0
    assert reloader.reloads == 1


def test_a_new_file_in_the_folder_is_picked_up(
    folder: Path, watched: tuple[Engine, Reloader]
) -> None:
    engine, _ = watched
    (folder / "more.yaml").write_text("rules:\n  - reply: {content: more}\n")
    eventually(lambda: [s.name for s in engine.scenarios] == ["live", "more"], within=3.0)


def test_a_broken_edit_keeps_the_old_rules_and_logs_each_line(
    folder: Path, watched: tuple[Engine, Reloader], caplog: pytest.LogCaptureFixture
) -> None:
    engine, reloader = watched
    caplog.set_level(logging.ERROR, logger="fakeopenai.reload")
    (folder / "live.yaml").write_text(BROKEN)
    eventually(lambda: reloader.error is not None, within=3.0)
    assert rule_text(engine) == "first"
    source = str(folder / "live.yaml")
    assert f"{source}:5: rules[0].reply: unknown key 'contnt' (did you mean 'content'?)" in (
        caplog.text
    )
    assert "kept the previous scenarios" in caplog.text
    (folder / "live.yaml").write_text(scenario("fixed"))
    eventually(lambda: rule_text(engine) == "fixed", within=3.0)
    assert reloader.error is None


def test_an_unchanged_folder_is_not_reloaded(folder: Path) -> None:
    engine = Engine(load_paths([folder]))
    reloader = Reloader(engine, [str(folder)])
    assert reloader.poll() is False
    before = stamp([str(folder)])
    (folder / "live.yaml").write_text(scenario("changed"))
    assert stamp([str(folder)]) != before
    assert reloader.poll() is True and rule_text(engine) == "changed"


def test_a_reload_swaps_the_scenarios_as_a_whole(folder: Path) -> None:
    engine = Engine(load_paths([folder]))
    first = engine.scenarios
    Reloader(engine, [str(folder)]).reload()
    assert engine.scenarios is not first  # swapped as a whole, never edited in place


def test_a_put_pauses_reloading_until_a_reset(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fakeopenai.reload")
    with FakeOpenAI(folder, strict=False) as fake:
        engine = fake.core.engine
        reloader = Reloader(engine, [str(folder)], interval=0.05).start()
        try:
            uploaded = {"name": "uploaded", "rules": [{"reply": {"content": "from PUT"}}]}
            HTTP.put(fake.url + "/_fakeopenai/scenarios", json=uploaded).raise_for_status()
            assert "--reload is paused" in caplog.text
            (folder / "live.yaml").write_text(scenario("saved meanwhile"))
            eventually(lambda: "not reloaded" in caplog.text, within=3.0)
            assert [s.name for s in engine.scenarios] == ["uploaded"]  # the PUT stays
            HTTP.post(fake.url + "/_fakeopenai/reset").raise_for_status()
            assert "--reload resumed" in caplog.text
            eventually(lambda: [s.name for s in engine.scenarios] == ["live"], within=3.0)
            assert rule_text(engine) == "saved meanwhile"  # the edit made while paused
        finally:
            reloader.stop()


# The real thing: `fakeopenai serve --reload` in a subprocess.


def ask(url: str, stream: bool = False) -> httpx.Response:
    body = {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    return HTTP.post(url + "/v1/chat/completions", json=body)


def said(url: str) -> str:
    response = ask(url)
    assert response.status_code == 200, response.text
    text: str = response.json()["choices"][0]["message"]["content"]
    return text


def test_serve_reload_picks_up_edits_survives_a_broken_one_and_keeps_open_streams(
    folder: Path,
) -> None:
    path = folder / "live.yaml"
    path.write_text(scenario("one two three four five six seven eight", chunk_ms=60))
    with Served(str(folder), "--reload", "--no-delay") as server:
        server.wait_for_stderr("watching")
        streamed: list[str] = []
        under_way = threading.Event()

        def slow_stream() -> None:
            body = {
                "model": "gpt-4o",
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
            }
            with HTTP.stream("POST", server.url + "/v1/chat/completions", json=body) as response:
                text = ""
                for piece in response.iter_text():
                    text += piece
                    under_way.set()
                streamed.append(text)

        reader = threading.Thread(target=slow_stream)
        reader.start()
        assert under_way.wait(5)  # the stream is under way when the file changes
        path.write_text(scenario("second"))
        assert eventually(lambda: said(server.url) == "second", within=3.0) < 3.0
        reader.join(5)
        pieces = [
            json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
            for line in streamed[0].splitlines()
            if line.startswith("data: {")
        ]
        assert "".join(pieces) == "one two three four five six seven eight"
        assert streamed[0].endswith("data: [DONE]\n\n")

        path.write_text(BROKEN)
        err = server.wait_for_stderr("kept the previous scenarios")
        assert f"{path}:5: rules[0].reply: unknown key 'contnt' (did you mean 'content'?)" in err
        assert said(server.url) == "second"
        path.write_text(scenario("third"))
        eventually(lambda: said(server.url) == "third", within=3.0)
        assert "reloaded 1 scenario, 1 rule (live)" in server.stderr
