"""Fixtures of the hostile corpus (the harness itself is in ``harness.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from harness import warm

from cli_server import Served


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One ``fakeopenai serve`` for a test module (zero-config, answering at full speed)."""
    with Served("--no-delay", "--log-level", "warning") as server:
        warm(server)
        yield server


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        http.post("/_fakeopenai/reset")
        yield http
