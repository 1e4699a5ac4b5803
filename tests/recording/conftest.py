"""Recording tests: an upstream (a second fakeopenai server, or a misbehaving one), a
recording proxy in front of it, the official SDK as the client. No internet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.recording.server import RecordingServer

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream.yaml"


class Recorder(RecordingServer):
    """A ``RecordingServer`` with an SDK client and the file as read once complete."""

    def client(self, key: str = "sk-test", **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.base_url, api_key=key, **options)

    def text(self) -> str:
        """The recorded file, once every exchange under way is in it."""
        assert self.wait_idle()
        return self.out.read_text()


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(UPSTREAM, strict=False) as fake:
        yield fake


@pytest.fixture
def recorder(upstream: FakeOpenAI, tmp_path: Path) -> Iterator[Callable[..., Recorder]]:
    """Start recorders (``recorder(**options)``), stopped at the end of the test."""
    upstream.reset()
    started: list[Recorder] = []

    def start(url: str | None = None, **options: Any) -> Recorder:
        out = options.pop("out", tmp_path / f"recorded{len(started) or ''}.yaml")
        rec = Recorder(url or upstream.base_url, out, **options).start()
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.stop()
