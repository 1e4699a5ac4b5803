"""conftest_example.py, run as a downstream project's conftest so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

import fakeopenai.generate

pytestmark = pytest.mark.usefixtures("sdk_stack_loaded")  # (see conftest)

# Kept imported so pytester's sys.modules snapshot doesn't re-import them per inner run.
PRELOADED = (openai, fakeopenai.generate)
EXAMPLE = Path(__file__).resolve().parent.parent / "conftest_example.py"

WEATHER = """name: weather
rules:
  - name: call-weather
    match: {last_user: weather, tools: [get_weather]}
    reply:
      tool_calls:
        - function: get_weather
          arguments: {city: Paris}
  - name: small-talk
    reply: {content: "Nice to meet you."}
"""
REFUNDS = """name: refunds
rules:
  - name: refund
    match: {last_user: refund}
    reply: {content: "Your refund is on its way."}
"""
TESTS = """
import pytest

WEATHER_TOOL = {"name": "get_weather", "parameters": {"type": "object"}}
TOOLS = [{"type": "function", "function": WEATHER_TOOL}]

def test_weather_tool_is_called(openai_client, fake_openai):
    completion = openai_client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "weather in Paris?"}], tools=TOOLS
    )
    assert completion.choices[0].message.tool_calls[0].function.name == "get_weather"
    fake_openai.assert_last(rule="call-weather")

@pytest.mark.fakeopenai("scenarios/refunds.yaml")
def test_per_test_scenario(app_client, fake_openai):
    completion = app_client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Where is my refund?"}]
    )
    assert completion.choices[0].message.content == "Your refund is on its way."

@pytest.mark.asyncio
async def test_async(async_openai_client, fake_openai):
    completion = await async_openai_client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
    )
    assert completion.choices[0].message.content == "Nice to meet you."
    assert fake_openai.requests.last.rule == "small-talk"
"""


def test_the_conftest_example_works_as_a_projects_conftest(pytester: pytest.Pytester) -> None:
    tests = pytester.mkdir("tests")
    (tests / "conftest.py").write_text(EXAMPLE.read_text())
    (tests / "scenarios").mkdir()
    (tests / "scenarios" / "weather.yaml").write_text(WEATHER)
    (tests / "scenarios" / "refunds.yaml").write_text(REFUNDS)
    (tests / "test_app.py").write_text(TESTS)
    pytester.makepyprojecttoml(
        "[tool.pytest.ini_options]\n"
        'fakeopenai_scenarios = ["tests/scenarios/weather.yaml"]\n'
        'asyncio_default_fixture_loop_scope = "function"\n'
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        plugins = ["-p", "fakeopenai.plugin", "-p", "pytest_asyncio.plugin"]
        result = pytester.runpytest(*plugins, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
