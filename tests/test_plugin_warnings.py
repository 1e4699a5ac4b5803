"""Strict mode and replies the real API could not have sent: the test fails with the rule,
the request, what contradicts what and the fix; ``allow_warnings=True`` lets one test
through."""

from __future__ import annotations

import openai
import pytest

import fakeopenai.generate

pytestmark = pytest.mark.usefixtures("sdk_stack_loaded")  # (see conftest)
PRELOADED = (openai, fakeopenai.generate)


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    """In-process, with only the plugins needed (as tests/test_plugin_strict.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        return pytester.runpytest("-p", "fakeopenai.plugin", "-p", "no:cacheprovider")


def failure(result: pytest.RunResult, when: str) -> str:
    recorder = result.reprec  # type: ignore[attr-defined]  # set by in-process runs only
    reports = [r for r in recorder.getreports("pytest_runtest_logreport") if r.failed]
    assert [r.when for r in reports] == [when]
    return str(reports[0].longreprtext)


SCENARIO = """name: forced
rules:
  - name: says-text
    match: {last_user: hi}
    reply: {content: Hello!}
"""
TEST = """
import openai, pytest

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}

def ask(fake):
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
        tools=[TOOL], tool_choice="required",
    )

def test_strict(fake_openai):
    ask(fake_openai)

@pytest.mark.fakeopenai(allow_warnings=True)
def test_allowed(fake_openai):
    ask(fake_openai)
    assert fake_openai.requests.last.warnings
"""


def test_a_warning_fails_a_strict_test_unless_allowed(pytester: pytest.Pytester) -> None:
    (pytester.path / "forced.yaml").write_text(SCENARIO)
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "fakeopenai_scenarios = forced.yaml\n"
    )
    pytester.makepyfile(test_it=TEST)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert failure(result, "call") == (
        "fakeopenai: 1 reply the real API could not have sent:\n"
        "  - request 1 (POST /v1/chat/completions; journal #1; last user message 'hi'): rule "
        f"'says-text' in scenario 'forced' ({pytester.path / 'forced.yaml'}:3) replied with "
        "text 'Hello!', but the request's tool_choice is 'required': the real API always "
        "answers it with a tool call. Fix: script tool_calls (or `tool_calls: auto`) for "
        "this request, or match on tool_choice.\n"
        "fakeopenai is strict: a reply the real API could not have sent fails the test. To "
        "allow such replies in this test, mark it @pytest.mark.fakeopenai(allow_warnings=True)."
    )
