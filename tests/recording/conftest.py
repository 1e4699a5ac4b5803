"""Recording tests: an upstream (a second fakeopenai server, or a misbehaving one), a
recording proxy in front of it, the official SDK as the client. No internet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.recording.proxy import RecordingProxy
from fakeopenai.recording.recfile import RecordingFile
from fakeopenai.recording.redact import Redactor
from fakeopenai.serving import ServerThread

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream.yaml"


class Recorder:
    """A recording proxy served on a free port, and where it writes."""

    def __init__(self, upstream: str, out: Path, **options: Any) -> None:
        redact = options.pop("redact", ())
        self.out = out
        self.file = RecordingFile(out, redactor=Redactor(redact))
        self.proxy = RecordingProxy(upstream, self.file, **options)
        self.server = ServerThread(self.proxy)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/v1"

    def client(self, key: str = "sk-test", **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.base_url, api_key=key, **options)

    def __enter__(self) -> Recorder:
        self.server.start()
        return self

    def text(self) -> str:
        """The recorded file, once every exchange under way is in it."""
        assert self.proxy.wait_idle()
        return self.out.read_text()

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


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
        rec = Recorder(url or upstream.base_url, out, **options).__enter__()
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.__exit__()
