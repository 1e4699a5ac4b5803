"""Run client flows in a long-lived subprocess (Node, or the openai-1.x venv).

Importing a client costs far more than running a flow (openai 1.x: ~2 s, ``ai``: ~1 s
on this machine), so each script is started once per test session and fed one
``FLOW BASE_URL`` line per flow on stdin; it answers one JSON line
``{ok, flow, result | error, blocked}`` (node/harness.mjs, py1/flows.py). A worker that
dies or hangs fails the test with its stderr, and is restarted for the next one.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pytest

_EOF = ""


class FlowWorker:
    """One subprocess that runs flows on request."""

    def __init__(self, command: list[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.command, self.cwd, self.env = command, cwd, dict(env)
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._stderr: IO[bytes] | None = None

    def _start(self) -> subprocess.Popen[str]:
        # stderr goes to a file, not a pipe: nobody reads it until a failure, and a full
        # pipe would block the child (the AI SDK warns on stderr).
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the worker)
        proc = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self._lines = queue.Queue()
        threading.Thread(target=self._pump, args=(proc, self._lines), daemon=True).start()
        return proc

    @staticmethod
    def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(_EOF)

    def stderr(self) -> str:
        """What the worker printed on stderr so far (for failure messages)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def run(self, flow: str, base_url: str, timeout: float = 60) -> dict[str, Any]:
        """Run one flow; its ``result``, or ``pytest.fail`` with the worker's report."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"{flow} {base_url}\n")
        self._proc.stdin.flush()
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                stderr = self.stderr()
                self.close()
                pytest.fail(f"{flow}: no answer in {timeout} s\n{stderr}", pytrace=False)
            if line == _EOF:
                self._proc.wait()
                code = self._proc.returncode
                pytest.fail(f"{flow}: the worker exited ({code})\n{self.stderr()}", pytrace=False)
            if line.startswith("{"):
                break  # anything else is a client's stray print
        out: dict[str, Any] = json.loads(line)
        assert out["flow"] == flow, out
        assert out["blocked"] == [], f"{flow}: the client tried to reach {out['blocked']}"
        if not out["ok"]:
            error = out["error"]
            pytest.fail(
                f"flow {flow} raised {error['name']}: {error['message']}\n"
                f"{error.get('stack') or ''}\nstderr:\n{self.stderr()}",
                pytrace=False,
            )
        result: dict[str, Any] = out["result"]
        return result

    def close(self) -> None:
        """Stop the worker (closing stdin ends it; kill if it does not)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
