"""WIRE.md §9 row 3: the six ``x-ratelimit-*`` headers on every answer, from a budget
that drains per request and refills over its window; a scripted ``ratelimit:`` wins and
a 429 shows the budget without spending it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.ratelimits import Budget, go_duration

SCENARIO = {
    "name": "limits",
    "rules": [
        {"name": "refused", "match": {"last_user": "refuse"}, "reply": {"error": 429}},
        {
            "name": "scripted",
            "match": {"last_user": "scripted"},
            "reply": {"content": "ok", "ratelimit": {"remaining_requests": 7}},
        },
        {"name": "ok", "reply": {"content": "ok"}},
    ],
}


def ask(text: str) -> Any:
    return [{"role": "user", "content": text}]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIO) as running:
        yield running


@pytest.fixture
def client(server: FakeOpenAI) -> openai.OpenAI:
    server.reset()  # refills the budget: each test starts on a fresh minute
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


def limits(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("x-ratelimit-")}


def test_the_first_answer_shows_the_recorded_values(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ask("hi"))
    prompt = raw.parse().usage.prompt_tokens  # type: ignore[union-attr]
    assert limits(raw.headers) == {
        "x-ratelimit-limit-requests": "30000",
        "x-ratelimit-limit-tokens": "150000000",
        "x-ratelimit-remaining-requests": "29999",
        "x-ratelimit-remaining-tokens": str(150_000_000 - prompt),
        "x-ratelimit-reset-requests": "2ms",
        "x-ratelimit-reset-tokens": "0s",
    }
    assert list(limits(raw.headers)) == [  # in the recorded order
        "x-ratelimit-limit-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
    ]


def test_remaining_goes_down_and_every_endpoint_and_stream_shows_it(client: openai.OpenAI) -> None:
    seen = []
    for _ in range(5):
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ask("hi"))
        seen.append(int(raw.headers["x-ratelimit-remaining-requests"]))
    # 30000 a minute refill one request every 2 ms: requests further apart than that all
    # see 29999, as recorded; a faster burst sees the number go down (the unit test below)
    assert seen[0] == 29999 and all(29995 <= left <= 29999 for left in seen)
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o", messages=ask("hi"), stream=True
    ) as streamed:
        assert len(limits(streamed.headers)) == 6
    for raw_call in (
        lambda: client.responses.with_raw_response.create(model="gpt-4o", input="hi"),
        lambda: client.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input="x"
        ),
    ):
        assert len(limits(raw_call().headers)) == 6


def test_a_429_shows_the_budget_unspent_and_scripted_values_win(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="gpt-4o", messages=ask("hi"))
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="gpt-4o", messages=ask("refuse"))
    shown = limits(refused.value.response.headers)
    # the limit it hit at 0 until the wait its message names; the tokens unspent
    assert len(shown) == 6 and shown["x-ratelimit-remaining-requests"] == "0"
    assert shown["x-ratelimit-reset-requests"] == "120ms"
    assert "Please try again in 120ms." in refused.value.message
    assert int(shown["x-ratelimit-remaining-tokens"]) > 149_999_000
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=ask("scripted"))
    assert limits(raw.headers) == {"x-ratelimit-remaining-requests": "7"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_drains_and_refills_over_its_window() -> None:
    clock = Clock()
    budget = Budget(requests=60, tokens=600, window_s=60, clock=clock)
    first = budget.spend(100)
    assert first["x-ratelimit-remaining-requests"] == "59"
    assert first["x-ratelimit-remaining-tokens"] == "500"
    assert first["x-ratelimit-reset-requests"] == "1s"
    assert first["x-ratelimit-reset-tokens"] == "10s"
    for _ in range(59):
        budget.spend(0)
    empty = budget.spend(0)  # never below zero
    assert empty["x-ratelimit-remaining-requests"] == "0"
    assert empty["x-ratelimit-reset-requests"] == "1m0s"
    clock.now += 30  # half the window: half the budget back
    assert budget.peek()["x-ratelimit-remaining-requests"] == "30"
    clock.now += 300
    assert budget.peek()["x-ratelimit-remaining-tokens"] == "600"  # full, not more
    assert budget.peek()["x-ratelimit-reset-tokens"] == "0s"
    budget.spend(600)
    budget.refill()
    assert budget.peek()["x-ratelimit-remaining-tokens"] == "600"


def test_the_budget_is_thread_safe() -> None:
    budget = Budget(requests=10_000, window_s=1e9)  # (no refill to speak of)
    threads = [
        threading.Thread(target=lambda: [budget.spend(1) for _ in range(500)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.peek()["x-ratelimit-remaining-requests"] == "6000"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.0004, "0s"),
        (0.002, "2ms"),
        (0.120, "120ms"),
        (1, "1s"),
        (1.5, "1.5s"),
        (360, "6m0s"),
        (23 * 3600 + 55 * 60 + 16.126, "23h55m16.126s"),
    ],
)
def test_durations_are_spelt_as_go_prints_them(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_the_encoded_resets_are_the_durations_spelt() -> None:
    # (the headers' bytes take shortcuts for a minute's values; the same spelling)
    from fakeopenai.ratelimits.budget import _encoded_ms, milliseconds

    for ms in [*range(0, 62_000, 7), 59_999, 60_000, 3_600_000, 86_399_999]:
        assert _encoded_ms(ms) == milliseconds(ms).encode(), ms
