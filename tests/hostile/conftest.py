"""Fixtures of the hostile corpus (the harness itself is in ``harness.py``).

Two servers per test process (xdist worker): ``served`` stays zero-config (nothing is
ever loaded into it), ``scripted`` is reprogrammed by each test that needs rules."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from harness import warm

from cli_server import Served


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """``fakeopenai serve`` with the embedded default, answering at full speed."""
    with Served("--no-delay", "--log-level", "warning") as server:
        warm(server)
        yield server


@pytest.fixture(scope="session")
def scripted() -> Iterator[Served]:
    """``fakeopenai serve`` for tests that PUT their own scenario first."""
    with Served("--no-delay", "--log-level", "warning") as server:
        warm(server)
        yield server


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        http.post("/_fakeopenai/reset")
        yield http


@pytest.fixture
def scripted_client(scripted: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scripted.url, timeout=30) as http:
        http.post("/_fakeopenai/reset")
        yield http
