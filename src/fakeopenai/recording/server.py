"""``RecordingServer``: the recording proxy on a free loopback port in a background
thread, for Python code and tests (``fakeopenai record`` is the same, in the foreground)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from fakeopenai.recording.proxy import RecordingProxy
from fakeopenai.recording.recfile import RecordingFile
from fakeopenai.recording.redact import Redactor
from fakeopenai.served import Served
from fakeopenai.serving import ServerThread


class RecordingServer(Served):
    """Record what clients send to ``.base_url`` (and ``upstream`` answers) into ``out``.

    ``key`` replaces the clients' key upstream; ``redact`` names further headers or
    dotted body paths to keep off disk; ``timing`` keeps the observed latency; ``append``
    adds to the rules already in ``out``. A context manager, like ``FakeOpenAI``.
    """

    def __init__(
        self,
        upstream: str,
        out: str | os.PathLike[str],
        *,
        key: str | None = None,
        redact: Iterable[str] = (),
        timing: bool = False,
        append: bool = False,
    ) -> None:
        self.out = Path(out)
        self.recording = RecordingFile(
            out,
            description=f"Recorded from {upstream}.",
            redactor=Redactor(redact),
            keep=append,
            instant=not timing,
        )
        self.proxy = RecordingProxy(upstream, self.recording, timing=timing, key=key)
        self._server = ServerThread(self.proxy)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: give this to clients."""
        return f"{self.url}/v1"

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every exchange under way is in the file."""
        return self.proxy.wait_idle(timeout)

    def start(self) -> RecordingServer:
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving, once the exchanges under way are recorded."""
        self.wait_idle()
        self._server.stop()
