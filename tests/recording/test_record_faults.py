"""Upstream faults and client faults while recording: what the client sees, what the
file holds (a well-formed scenario, always)."""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import openai
import pytest
import yaml
from misbehaving import HANGUPS, SLOW_MS, Misbehaving

from fakeopenai import FakeOpenAI
from fakeopenai.loader import load_paths

MESSAGES: Any = [{"role": "user", "content": "hello"}]


def ask(text: str) -> Any:
    return [{"role": "user", "content": text}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_upstream_gets_a_502_and_records_nothing(recorder):
    rec = recorder(f"http://127.0.0.1:{free_port()}/v1")
    client = rec.client(max_retries=3)
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert time.monotonic() - started < 5  # x-should-retry: false, no backoff
    assert caught.value.status_code == 502
    error = caught.value.body
    assert error["type"] == "fakeopenai_upstream_error"  # type: ignore[index]
    assert "ConnectError" in error["message"]  # type: ignore[index]
    rec.proxy.wait_idle()
    assert not rec.out.exists()


def test_an_upstream_that_drops_mid_stream_is_recorded_as_a_disconnect(recorder):
    with Misbehaving() as bad:
        rec = recorder(bad.base_url)
        pieces: list[str] = []
        with pytest.raises(openai.APIConnectionError):
            for chunk in rec.client().chat.completions.create(
                model="gpt-4o-mini", messages=ask("drop please"), stream=True
            ):
                pieces.append(chunk.choices[0].delta.content or "")
        reply = yaml.safe_load(rec.text())["rules"][0]["reply"]
    assert "".join(pieces) == "Hello there"
    assert reply["chunks"] == ["Hello", " there"]
    assert reply["fault"] == {"disconnect_after": 2}
    with FakeOpenAI(rec.out) as replay:
        client = openai.OpenAI(base_url=replay.base_url, api_key="k", max_retries=0)
        again: list[str] = []
        with pytest.raises(openai.APIConnectionError):
            for chunk in client.chat.completions.create(
                model="gpt-4o-mini", messages=ask("drop please"), stream=True
            ):
                again.append(chunk.choices[0].delta.content or "")
    assert "".join(again) == "".join(pieces)


def test_a_slow_first_byte_reaches_the_client_when_it_comes(recorder):
    def ttft(client: openai.OpenAI) -> tuple[float, Any, list[Any]]:
        started = time.perf_counter()
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=ask("slow please"), stream=True
        )
        first = next(iter(stream))
        return (time.perf_counter() - started) * 1000, first, list(stream)

    with Misbehaving() as bad:
        rec = recorder(bad.base_url)
        proxied = rec.client()
        direct = openai.OpenAI(base_url=bad.base_url, api_key="k", max_retries=0)
        ttft(proxied), ttft(direct)  # warm both paths up
        via_proxy, first, rest = ttft(proxied)
        straight, _, _ = ttft(direct)
    assert first.choices[0].delta.content == "Hello"
    assert via_proxy >= SLOW_MS
    assert via_proxy - straight < 100  # the first frame passes at once, not buffered
    assert rest[-1].choices[0].finish_reason == "stop"


def test_a_client_that_leaves_mid_stream_leaves_a_well_formed_file(recorder, upstream):
    rec = recorder()
    client = rec.client()
    client.chat.completions.create(model="gpt-4o-mini", messages=ask("hello"))
    with (
        httpx.Client() as raw,
        raw.stream(
            "POST",
            f"{rec.base_url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": ask("once upon"), "stream": True},
        ) as response,
    ):
        for _ in response.iter_raw():
            break  # the first bytes, then hang up
    rec.proxy.wait_idle()
    document = yaml.safe_load(rec.text())
    assert [rule["name"] for rule in document["rules"]] == ["hello"]
    load_paths([str(rec.out)])


def test_the_same_request_twice_becomes_one_rule_with_replies(recorder, upstream):
    rec = recorder()
    client = rec.client()
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=ask("flaky"))
    for _ in range(2):
        client.chat.completions.create(model="gpt-4o-mini", messages=ask("flaky"))
        client.chat.completions.create(model="gpt-4o-mini", messages=ask("hello"))
    rules = yaml.safe_load(rec.text())["rules"]
    assert [rule["name"] for rule in rules] == ["flaky", "hello"]
    flaky = rules[0]["replies"]
    assert flaky[0]["error"]["status"] == 429
    assert flaky[0]["error"]["headers"]["retry-after-ms"] == "10"
    assert flaky[0]["error"]["headers"]["x-ratelimit-remaining-requests"] == "0"
    assert flaky[1]["content"] == "recovered" and "error" not in flaky[1]
    assert len(flaky) == 3
    assert len(rules[1]["replies"]) == 2


def test_a_client_that_gives_up_stops_the_upstream_request_at_once(recorder):
    with Misbehaving() as bad:
        rec = recorder(bad.base_url)
        rec.client().chat.completions.create(model="gpt-4o-mini", messages=ask("hi"), stream=True)
        rec.wait_idle()
        rec.out.unlink()
        HANGUPS.clear()
        client = rec.client(timeout=1.0)
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=ask("stall please"), stream=True
            )
        gave_up = time.monotonic()
        deadline = gave_up + 3
        while not HANGUPS and time.monotonic() < deadline:
            time.sleep(0.01)
    assert HANGUPS and HANGUPS[-1] - gave_up < 2  # not the upstream's 10 s
    assert rec.proxy.wait_idle()
    assert not rec.out.exists()
