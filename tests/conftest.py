"""Shared test fixtures: real servers on 127.0.0.1, real SDK clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def sdk_stack_loaded() -> None:
    """For in-process pytester runs: one real call, streamed and not, first. The SDK
    imports its HTTP stack (httpx2, httpcore2, h11) on first use; first used inside an
    inner run, those modules leave with pytester's sys.modules snapshot, and the next
    import makes new exception classes that the modules still loaded do not map: a
    later test in this process then sees a raw ``httpcore2.RemoteProtocolError``
    instead of ``APIConnectionError``."""
    with FakeOpenAI() as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        messages: Any = [{"role": "user", "content": "hi"}]
        client.chat.completions.create(model="gpt-4o", messages=messages)
        for _ in client.chat.completions.create(model="gpt-4o", messages=messages, stream=True):
            pass


@pytest.fixture(scope="module")
def examples(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    """The server a test module talks to (module scope; ``fake`` resets it per test): the
    module's own ``SCENARIO`` and ``SEED`` when it defines them, else every example
    scenario in scenarios/, with the module's ``FAKE_OPTIONS`` (more ``FakeOpenAI``
    arguments). Not strict: the tests check misses themselves."""
    scenario = getattr(request.module, "SCENARIO", SCENARIOS)
    options = {"seed": getattr(request.module, "SEED", 7), "strict": False}
    options.update(getattr(request.module, "FAKE_OPTIONS", {}))
    with FakeOpenAI(scenario, **options) as fake:
        yield fake


@pytest.fixture
def fake(examples: FakeOpenAI) -> FakeOpenAI:
    examples.reset()
    return examples


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    """A strict client: every response must validate against the SDK's models."""
    return openai.OpenAI(
        base_url=fake.base_url, api_key=fake.api_key, _strict_response_validation=True
    )
