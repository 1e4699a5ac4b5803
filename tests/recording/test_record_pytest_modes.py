"""The pytest record modes, run in-process with pytester against a fakeopenai upstream."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
import yaml

import fakeopenai.generate
import fakeopenai.recording.gate
from fakeopenai import FakeOpenAI
from fakeopenai.wire.errors import mask_key

PRELOADED = (openai, fakeopenai.generate, fakeopenai.recording.gate)
pytestmark = pytest.mark.usefixtures("sdk_stack_loaded")
SESSION_KEY = "sk-session-key-0123456789"

TESTS = """
import openai, pytest

def ask(fake, text):
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    messages = [{"role": "user", "content": text}]
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages)

def test_hello(fake_openai):
    assert ask(fake_openai, PROMPT).choices[0].message.content.startswith("Hello")
    assert len(fake_openai.requests) == 1
"""


def run(pytester: pytest.Pytester, upstream: FakeOpenAI, *args: str) -> pytest.RunResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.setenv("OPENAI_API_KEY", SESSION_KEY)
        return pytester.runpytest(
            "-p", "fakeopenai.plugin", "-p", "no:cacheprovider",
            "--fakeopenai-upstream", upstream.base_url, *args,
        )  # fmt: skip


def write_tests(pytester: pytest.Pytester, prompt: str = "hello", extra: str = "") -> Path:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_it=f"PROMPT = {prompt!r}\n" + TESTS + extra)
    return pytester.path / "recordings" / "test_it" / "test_hello.yaml"


def test_once_records_then_none_replays_and_a_miss_names_the_closest_rule(
    pytester: pytest.Pytester, upstream: FakeOpenAI
) -> None:
    upstream.reset()
    recording = write_tests(pytester)
    run(pytester, upstream, "--fakeopenai-record=once").assert_outcomes(passed=1)
    assert recording.exists()
    assert len(upstream.requests) == 1
    sent = upstream.requests[0].headers["authorization"]
    assert sent == f"Bearer {mask_key(SESSION_KEY)}"  # the session's key, as the journal masks it
    run(pytester, upstream, "--fakeopenai-record=once").assert_outcomes(passed=1)
    run(pytester, upstream).assert_outcomes(passed=1)  # none: the default
    assert len(upstream.requests) == 1  # replayed, never forwarded
    write_tests(pytester, prompt="hello again")
    result = run(pytester, upstream)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Closest rule: 'hello'*"])
    assert len(upstream.requests) == 1


def test_new_episodes_replays_what_matches_and_records_the_rest(
    pytester: pytest.Pytester, upstream: FakeOpenAI
) -> None:
    upstream.reset()
    extra = """
def test_two(fake_openai):
    ask(fake_openai, "hello")
    ask(fake_openai, "hello, second episode")
    assert [e.status for e in fake_openai.requests] == [200, 200]
"""
    write_tests(pytester, extra=extra)
    two = pytester.path / "recordings" / "test_it" / "test_two.yaml"
    two.parent.mkdir(parents=True)
    two.write_text(
        "name: test_two\nrules:\n  - name: hello\n    match: {last_user: {equals: hello}}\n"
        "    reply: {content: Hello from the file}\n"
    )
    run(pytester, upstream, "--fakeopenai-record=new_episodes", "-k", "two").assert_outcomes(
        passed=1
    )
    assert [e.last_user for e in upstream.requests] == ["hello, second episode"]
    names = [rule["name"] for rule in yaml.safe_load(two.read_text())["rules"]]
    assert names == ["hello", "hello-second-episode"]


def test_all_records_afresh(pytester: pytest.Pytester, upstream: FakeOpenAI) -> None:
    upstream.reset()
    recording = write_tests(pytester)
    recording.parent.mkdir(parents=True)
    recording.write_text("name: old\nrules:\n  - name: stale\n    reply: {content: Hello old}\n")
    run(pytester, upstream, "--fakeopenai-record=all").assert_outcomes(passed=1)
    assert len(upstream.requests) == 1
    assert [r["name"] for r in yaml.safe_load(recording.read_text())["rules"]] == ["hello"]


def test_a_named_recording_that_is_missing_fails_in_replay(
    pytester: pytest.Pytester, upstream: FakeOpenAI
) -> None:
    pytester.makeini("[pytest]\nfakeopenai_record = none\n")
    pytester.makepyfile(
        test_named="""
import pytest

@pytest.mark.fakeopenai(recording="cassettes/mine.yaml")
def test_named(fake_openai):
    pass
"""
    )
    result = run(pytester, upstream)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fakeopenai: no recording at *cassettes/mine.yaml*once*"])


def test_recording_needs_the_key_at_session_start(
    pytester: pytest.Pytester, upstream: FakeOpenAI
) -> None:
    write_tests(pytester)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.delenv("OPENAI_API_KEY", raising=False)
        result = pytester.runpytest(
            "-p", "fakeopenai.plugin", "-p", "no:cacheprovider", "--fakeopenai-record=once"
        )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs OPENAI_API_KEY set when the session starts*"])
