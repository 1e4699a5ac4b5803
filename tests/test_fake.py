"""``FakeOpenAI`` outside pytest's fixtures: lifecycle, state, loading, strictness."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import uvicorn

from fakeopenai import FakeOpenAI, NoMatchError, ScenarioError, ServerStartError
from fakeopenai.errors import FakeOpenAIError

HELLO = {
    "name": "hello",
    "rules": [{"name": "greet", "match": {"last_user": "hi"}, "reply": {"content": "Hello!"}}],
}
COUNTER = {
    "name": "counter",
    "rules": [{"name": "steps", "replies": [{"content": "one"}, {"content": "two"}]}],
}


HTTP = httpx.Client(timeout=5)  # one client: building one per call costs more than the call


def ask(fake: FakeOpenAI, text: str = "hi", **extra: Any) -> httpx.Response:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}], **extra}
    return HTTP.post(fake.base_url + "/chat/completions", json=body)


def said(fake: FakeOpenAI, text: str = "hi") -> str:
    response = ask(fake, text)
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


@pytest.fixture(scope="module")
def shared() -> Iterator[FakeOpenAI]:
    """One server for the tests of state (starting and stopping one costs ~0.2 s)."""
    with FakeOpenAI(strict=False) as fake:
        yield fake


@pytest.fixture
def hello(shared: FakeOpenAI) -> FakeOpenAI:
    shared.load(HELLO)
    shared.reset()
    return shared


@pytest.fixture
def counter(shared: FakeOpenAI) -> FakeOpenAI:
    shared.load(COUNTER)
    shared.reset()
    return shared


# lifecycle and addresses


def test_context_manager_serves_on_a_loopback_port() -> None:
    with FakeOpenAI() as fake:
        assert fake.running
        assert fake.url.startswith("http://127.0.0.1:") and fake.base_url == fake.url + "/v1"
        assert HTTP.get(fake.url + "/_fakeopenai/health").json()["status"] == "ok"
    assert not fake.running
    with pytest.raises(httpx.ConnectError):
        HTTP.get(fake.url + "/_fakeopenai/health")


def test_url_before_start_says_how_to_start() -> None:
    fake = FakeOpenAI()
    with pytest.raises(FakeOpenAIError, match=r"no address yet: call start\(\), or use `with"):
        _ = fake.base_url
    assert repr(fake) == "<FakeOpenAI not started scenarios=[]>"


def test_zero_config_answers_with_generated_text_and_no_latency() -> None:
    with FakeOpenAI() as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        messages: Any = [{"role": "user", "content": "Tell me a story"}]
        assert client.chat.completions.create(model="gpt-4o", messages=messages).choices[0]
        pieces = list(
            client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
        )
        assert len(pieces) > 5
        # `fakeopenai serve` paces this at ~40 tokens/s after 350 ms; the handle does not.
        assert fake.requests.last.timings["total_ms"] < 300


def test_bind_failure_is_a_server_start_error_with_the_reason() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(ServerStartError) as caught:
            FakeOpenAI(port=port).start()
    finally:
        taken.close()
    assert (
        str(caught.value)
        == f"fakeopenai: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_a_crash_during_start_is_reported_not_hung(monkeypatch: pytest.MonkeyPatch) -> None:
    async def crash(self: uvicorn.Server, sockets: object = None) -> None:
        raise RuntimeError("no event loop for you")

    monkeypatch.setattr(uvicorn.Server, "serve", crash)
    with pytest.raises(ServerStartError) as caught:
        FakeOpenAI().start()
    assert str(caught.value) == (
        "fakeopenai: the server failed to start: RuntimeError: no event loop for you"
    )


def test_a_start_that_never_finishes_hits_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(self: uvicorn.Server, sockets: object = None) -> None:
        while not self.should_exit:
            await __import__("asyncio").sleep(0.01)

    monkeypatch.setattr(uvicorn.Server, "serve", never)
    fake = FakeOpenAI()
    with pytest.raises(
        ServerStartError, match=r"^fakeopenai: the server did not start within 0.2 s$"
    ):
        fake.start(timeout=0.2)
    assert not fake.running


def test_stop_is_bounded_while_a_stream_is_stalled(caplog: pytest.LogCaptureFixture) -> None:
    """The stalled response is cancelled when the grace period ends: it hangs up
    quietly (the client sees the connection close, the server logs nothing)."""
    stall = {
        "name": "stall",
        "rules": [{"reply": {"content": "one two three", "fault": {"stall_after": 1}}}],
    }
    fake = FakeOpenAI(stall).start()
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", fake.base_url + "/chat/completions", json=body) as response,
    ):
        lines = response.iter_lines()
        assert any('"content":"one"' in line for line in lines)  # stalled after the first chunk
        started = time.perf_counter()
        fake.stop()
        assert time.perf_counter() - started < 2.0
        assert not fake.running
        with pytest.raises(httpx.RemoteProtocolError):
            list(lines)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_restart_keeps_the_address() -> None:
    fake = FakeOpenAI(HELLO).start()
    url = fake.url
    fake.stop()
    fake.start()
    try:
        assert fake.url == url and said(fake) == "Hello!"
    finally:
        fake.stop()


def test_api_key_is_required_only_when_given() -> None:
    with FakeOpenAI(api_key="sk-test") as fake:
        assert fake.api_key == "sk-test"
        assert ask(fake).status_code == 401
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    with FakeOpenAI() as fake:
        assert fake.api_key == "sk-fakeopenai" and ask(fake).status_code == 200


# journal, reset, load, add


def test_requests_journal_every_call_oldest_first(hello: FakeOpenAI) -> None:
    said(hello, "hi there")
    ask(hello, "zzz")
    assert [e.status for e in hello.requests] == [200, 404]
    assert hello.requests.last is hello.requests[-1]
    assert hello.requests[0].rule == "greet" and hello.requests[0].last_user == "hi there"
    hello.assert_called(times=1, rule="greet")
    hello.assert_last(status=404, rule=None)


def test_reset_clears_journal_counters_and_added_rules_but_keeps_scenarios(
    counter: FakeOpenAI,
) -> None:
    assert said(counter) == "one"
    counter.add({"match": {"last_user": "special"}, "reply": {"content": "added"}})
    assert said(counter, "special") == "added"
    counter.reset()
    assert len(counter.requests) == 0
    assert said(counter) == "one"  # the sequence starts over
    assert said(counter, "special") == "two"  # the added rule is gone
    assert counter.scenarios == ("counter",)


def test_load_replaces_scenarios_and_added_rules(hello: FakeOpenAI) -> None:
    hello.add({"match": {"last_user": "x"}, "reply": {"content": "added"}})
    hello.load(COUNTER)
    assert hello.scenarios == ("counter",)
    assert said(hello, "x") == "one"


def test_load_keeps_the_order_of_files_and_mappings(shared: FakeOpenAI, tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text("rules:\n  - reply: {content: from the file}\n")
    shared.load(HELLO, tmp_path / "first.yaml", COUNTER)
    assert shared.scenarios == ("hello", "first", "counter")
    assert said(shared, "hi") == "Hello!" and said(shared, "other") == "from the file"


def test_load_of_bad_sources_names_every_problem_and_keeps_the_old(
    hello: FakeOpenAI, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - reply: {contnt: x}\n")
    dup = {"name": "hello", "rules": [{"reply": {"content": "again"}}]}
    with pytest.raises(ScenarioError) as caught:
        hello.load(bad, {"rules": "nope"}, HELLO, dup)
    assert hello.scenarios == ("hello",) and said(hello) == "Hello!"
    assert str(caught.value) == (
        "fakeopenai: 3 problems in scenarios:\n"
        f"  {bad}:2: rules[0].reply: unknown key 'contnt' (did you mean 'content'?)\n"
        "  <mapping 2>: rules: expected a list, got 'nope'\n"
        "  <mapping 4>: scenario name 'hello' is already used by <mapping 3>; "
        "give one of them another `name:`"
    )


def test_added_rules_are_tried_before_the_loaded_ones_in_the_order_added(
    hello: FakeOpenAI,
) -> None:
    hello.add({"name": "first", "match": {"last_user": "hi"}, "reply": {"content": "first"}})
    hello.add({"name": "second", "reply": {"content": "second"}})
    assert said(hello, "hi") == "first"
    assert said(hello, "other") == "second"
    assert hello.requests[0].scenario == "added" and hello.requests[0].rule == "first"


def test_a_bad_added_rule_is_a_scenario_error(hello: FakeOpenAI) -> None:
    with pytest.raises(ScenarioError) as caught:
        hello.add({"match": {"modle": "gpt-4o"}, "reply": {"content": "x"}})
    assert str(caught.value) == (
        "fakeopenai: 1 problem in scenarios:\n"
        "  add(): match: unknown key 'modle' (did you mean 'model'?)"
    )


def test_seed_makes_generated_text_repeatable() -> None:
    with FakeOpenAI(seed=3) as first, FakeOpenAI(seed=3) as second:
        assert first.seed == 3
        assert said(first, "story") == said(second, "story")


# strictness


def test_check_lists_every_unmatched_request(hello: FakeOpenAI) -> None:
    hello.check()  # nothing yet
    said(hello)
    ask(hello, "one")
    ask(hello, "two", model="gpt-4o-mini")
    with pytest.raises(NoMatchError) as caught:
        hello.check()
    one, two = (entry.id for entry in hello.requests.misses)
    closest = (
        "Closest rule: 'greet' in scenario 'hello' (hello), which failed on: last_user: "
        "expected to contain 'hi', got '{}'. Fix the request or add a rule that matches it."
    )
    assert str(caught.value) == (
        "fakeopenai: 2 requests matched no rule:\n"
        f"  - request 2 (POST /v1/chat/completions; journal #{one}): no rule matched this chat "
        "request "
        "(model 'gpt-4o', last user message 'one'). " + closest.format("one") + "\n"
        f"  - request 3 (POST /v1/chat/completions; journal #{two}): no rule matched this chat "
        "request "
        "(model 'gpt-4o-mini', last user message 'two'). " + closest.format("two")
    )


def test_strict_exit_raises_for_unmatched_requests() -> None:
    expected = r"^fakeopenai: 1 request matched no rule:\n  - request 1 \(POST .*; journal #1\)"
    with pytest.raises(NoMatchError, match=expected), FakeOpenAI(HELLO) as fake:
        ask(fake, "zzz")
    assert not fake.running


def test_strict_exit_does_not_hide_the_blocks_own_error() -> None:
    with pytest.raises(KeyError), FakeOpenAI(HELLO) as fake:
        ask(fake, "zzz")
        raise KeyError("the test's own failure")
