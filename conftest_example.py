"""How a project wires fakeopenai into its tests: copy this file to ``tests/conftest.py``.

Installing ``pytest-fakeopenai`` (from a clone until a release is out) registers the
pytest plugin (fixtures ``fake_openai``, ``fake_openai_env``, marker
``@pytest.mark.fakeopenai``). This conftest adds what a
project usually wants on top: SDK clients pointed at the fake. Tell the plugin where
the scenarios live once, in ``pyproject.toml``::

    [tool.pytest.ini_options]
    fakeopenai_scenarios = ["tests/scenarios"]   # relative to the rootdir

and override it per test with ``@pytest.mark.fakeopenai("scenarios/refunds.yaml")``
(relative to the test file). A test then reads::

    def test_weather_tool_is_called(openai_client, fake_openai):
        openai_client.chat.completions.create(model="gpt-4o", messages=[...], tools=[...])
        fake_openai.assert_last(rule="call-weather")

Code that builds its own client from the environment (your app's settings, LangChain,
LiteLLM) takes ``fake_openai_env`` instead: OPENAI_BASE_URL and OPENAI_API_KEY then
point at the fake for that test.

fakeopenai's own test suite runs this file (tests/test_plugin_example.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from fakeopenai import FakeOpenAI


@pytest.fixture
def openai_client(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    """An SDK client on the fake. No retries: a scripted 429 or 500 shows at once."""
    client = openai.OpenAI(
        base_url=fake_openai.base_url, api_key=fake_openai.api_key, max_retries=0
    )
    yield client
    client.close()


@pytest.fixture
def async_openai_client(fake_openai: FakeOpenAI) -> openai.AsyncOpenAI:
    """The async client, for ``async def`` tests (pytest-asyncio, anyio, ...).

    A plain fixture, so this file needs no async plugin. ``Connection: close`` makes each
    connection end with its response, inside the test's event loop: none is left open
    for a fixture teardown to close after that loop is gone.
    """
    return openai.AsyncOpenAI(
        base_url=fake_openai.base_url,
        api_key=fake_openai.api_key,
        max_retries=0,
        default_headers={"Connection": "close"},
    )


@pytest.fixture
def app_client(fake_openai_env: FakeOpenAI) -> openai.OpenAI:
    """What the application under test builds for itself from its environment: here
    simply ``openai.OpenAI()``, which reads OPENAI_BASE_URL and OPENAI_API_KEY."""
    return openai.OpenAI()
