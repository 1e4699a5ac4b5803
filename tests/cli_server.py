"""A ``fakeopenai serve`` subprocess for tests: start, read the banner's port, stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

BANNER = re.compile(r"http://127\.0\.0\.1:(\d+)/v1")


class Served:
    """``python -m fakeopenai serve ARGS`` on a free port; stderr kept in a file."""

    def __init__(self, *args: str, cwd: str | Path | None = None, timeout: float = 15.0) -> None:
        self._err: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in stop)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fakeopenai", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self._err,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
            env=env,
        )
        self.banner = self._read_banner(timeout)
        found = BANNER.search(self.banner)
        assert found, f"no address in the banner: {self.banner!r}\n{self.stderr}"
        self.url = f"http://127.0.0.1:{found[1]}"

    def _read_banner(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0]:
            self.stop()
            raise AssertionError(f"fakeopenai serve did not start: {self.stderr}")
        return lines[0]

    @property
    def stderr(self) -> str:
        self._err.flush()
        self._err.seek(0)
        return self._err.read()

    def wait_for_stderr(self, text: str, timeout: float = 5.0) -> str:
        """Block until ``text`` appears on stderr; return all of stderr."""
        deadline = time.monotonic() + timeout
        while text not in (err := self.stderr):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on stderr:\n{err}")
            time.sleep(0.02)
        return err

    def interrupt(self, timeout: float = 5.0) -> float:
        """Ctrl+C; returns how long the server took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._err.close()
