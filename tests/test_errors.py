"""Scripted errors through the official SDK: status defaults, retry headers, sequences."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.wire.errors import QUOTA_MESSAGE, SERVER_ERROR_MESSAGE

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MESSAGES = [{"role": "user", "content": "Say something"}]
# One HTTP client for the module: building one (its TLS context) costs ~0.3 s.
HTTP = httpx.Client(timeout=10)
_SDK = openai.OpenAI(base_url="http://unused", api_key="unused", http_client=HTTP)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        warm_up(fake)
        yield fake


def warm_up(fake: FakeOpenAI) -> None:
    """One answer first: the first generated reply pays the server's lazy imports."""
    fake.load({"rules": [{"reply": {"content": "warm"}}]})
    HTTP.post(fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES})


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    """The module's server with the retry example loaded (tests may load their own)."""
    server.load(SCENARIOS / "rate-limit-then-ok.yaml")
    server.reset()
    return server


def sdk(fake: FakeOpenAI, retries: int = 0) -> openai.OpenAI:
    return _SDK.with_options(base_url=fake.base_url, api_key=fake.api_key, max_retries=retries)


def script(fake: FakeOpenAI, reply: dict[str, object]) -> None:
    fake.load({"name": "errors", "rules": [{"name": "scripted", "reply": reply}]})


# status → (SDK class, default type, default code): WIRE.md §2.2–2.3
DEFAULTS = [
    (400, openai.BadRequestError, "invalid_request_error", None),
    (401, openai.AuthenticationError, "invalid_request_error", "invalid_api_key"),
    (
        403,
        openai.PermissionDeniedError,
        "request_forbidden",
        "unsupported_country_region_territory",
    ),
    (404, openai.NotFoundError, "invalid_request_error", "model_not_found"),
    (409, openai.ConflictError, "invalid_request_error", "conflict"),
    (413, openai.APIStatusError, "invalid_request_error", None),
    (422, openai.UnprocessableEntityError, "invalid_request_error", None),
    (429, openai.RateLimitError, "requests", "rate_limit_exceeded"),
    (500, openai.InternalServerError, "server_error", None),
    (502, openai.InternalServerError, "server_error", None),
    (503, openai.InternalServerError, "server_error", None),
    (504, openai.InternalServerError, "server_error", None),
]


@pytest.mark.parametrize(("status", "cls", "type_", "code"), DEFAULTS)
def test_every_default_status_raises_the_sdk_class(
    fake: FakeOpenAI, status: int, cls: type[openai.APIStatusError], type_: str, code: str | None
) -> None:
    script(fake, {"error": status})
    with pytest.raises(cls) as caught:
        sdk(fake).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    error = caught.value
    assert type(error) is cls  # 413 is the plain APIStatusError, not a subclass
    assert (error.status_code, error.type, error.code, error.param) == (status, type_, code, None)
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert isinstance(error.body, dict) and set(error.body) == {"message", "type", "param", "code"}
    assert fake.requests.last.status == status


def test_default_messages_are_the_real_apis(fake: FakeOpenAI) -> None:
    script(fake, {"error": 404})
    with pytest.raises(openai.NotFoundError) as caught:
        sdk(fake).chat.completions.create(model="gpt-9", messages=MESSAGES)  # type: ignore[arg-type]
    assert caught.value.message == (
        "Error code: 404 - The model `gpt-9` does not exist or you do not have access to it."
    )
    script(fake, {"error": 500})
    with pytest.raises(openai.InternalServerError) as caught_500:
        sdk(fake).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    assert caught_500.value.body == {
        "message": SERVER_ERROR_MESSAGE,
        "type": "server_error",
        "param": None,
        "code": None,
    }


@pytest.mark.parametrize(
    ("type_", "code", "needle"),
    [
        ("requests", "rate_limit_exceeded", "on requests per min (RPM)"),
        ("tokens", "rate_limit_exceeded", "on tokens per min (TPM)"),
        ("insufficient_quota", "insufficient_quota", "You exceeded your current quota"),
    ],
)
def test_429_flavours(fake: FakeOpenAI, type_: str, code: str, needle: str) -> None:
    script(fake, {"error": {"status": 429, "type": type_}})
    with pytest.raises(openai.RateLimitError) as caught:
        sdk(fake).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]
    assert (caught.value.type, caught.value.code) == (type_, code)
    assert needle in caught.value.message


def test_scripted_fields_override_the_defaults(fake: FakeOpenAI) -> None:
    script(
        fake,
        {
            "error": {
                "status": 400,
                "message": "This model's maximum context length is 128000 tokens.",
                "code": "context_length_exceeded",
                "param": "messages",
                "headers": {"X-Debug": "yes"},
            }
        },
    )
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(fake).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    error = caught.value
    assert (
        error.message == "Error code: 400 - This model's maximum context length is 128000 tokens."
    )
    assert (error.code, error.param, error.type) == (
        "context_length_exceeded",
        "messages",
        "invalid_request_error",
    )
    assert error.response.headers["x-debug"] == "yes"
    assert fake.requests.last.error == error.body


def test_error_on_a_streamed_request_is_a_json_response_before_any_byte(fake: FakeOpenAI) -> None:
    script(fake, {"error": 503})
    with pytest.raises(openai.InternalServerError):
        sdk(fake).chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    raw = HTTP.post(
        fake.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": MESSAGES, "stream": True},
    )
    assert raw.status_code == 503
    assert raw.headers["content-type"] == "application/json"
    assert raw.json()["error"]["type"] == "server_error"


def test_retry_after_ms_then_success_and_the_journal_shows_the_attempts(fake: FakeOpenAI) -> None:
    started = time.perf_counter()
    completion = sdk(fake, retries=2).chat.completions.create(
        model="retry-me",
        messages=MESSAGES,  # type: ignore[arg-type]
    )
    elapsed = time.perf_counter() - started
    assert completion.choices[0].message.content == "Recovered on the third attempt."
    attempts = fake.requests
    assert [e.status for e in attempts] == [429, 503, 200]
    assert [e.header("x-stainless-retry-count") for e in attempts] == ["0", "1", "2"]
    assert [e.step for e in attempts] == [0, 1, 2]
    assert elapsed < 1.0  # 10 ms waits, not the SDK's 0.5 s+ backoff


def test_retry_headers_are_sent_each_on_its_own(fake: FakeOpenAI) -> None:
    script(fake, {"error": 429, "retry_after": 2, "retry_after_ms": 1500.5})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert (response.headers["retry-after"], response.headers["retry-after-ms"]) == ("2", "1500.5")
    assert "x-should-retry" not in response.headers
    script(fake, {"error": 429, "retry_after": 1.5})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert response.headers["retry-after"] == "1.5"
    assert "retry-after-ms" not in response.headers


def test_no_retry_means_exactly_one_attempt(fake: FakeOpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        sdk(fake, retries=2).chat.completions.create(model="quota-x", messages=MESSAGES)  # type: ignore[arg-type]
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert caught.value.message == f"Error code: 429 - {QUOTA_MESSAGE}"
    assert len(fake.requests) == 1


def test_ratelimit_headers_on_a_successful_reply(fake: FakeOpenAI) -> None:
    script(
        fake,
        {
            "content": "fine",
            "ratelimit": {
                "limit_requests": 500,
                "remaining_requests": 499,
                "reset_requests": "120ms",
                "limit_tokens": 30000,
                "remaining_tokens": 29962,
                "reset_tokens": "76ms",
            },
        },
    )
    raw = sdk(fake).chat.completions.with_raw_response.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]
    assert raw.parse().choices[0].message.content == "fine"
    got = {k: v for k, v in raw.headers.items() if k.startswith("x-ratelimit-")}
    assert got == {
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-remaining-tokens": "29962",
        "x-ratelimit-reset-tokens": "76ms",
    }


def test_a_partial_ratelimit_sends_only_its_headers(fake: FakeOpenAI) -> None:
    script(fake, {"error": 429, "ratelimit": {"remaining_tokens": 0}})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert [k for k in response.headers if k.startswith("x-ratelimit")] == [
        "x-ratelimit-remaining-tokens"
    ]


@pytest.mark.parametrize(
    "reply, stream",
    [
        ({"content": "hi"}, False),  # the body sent at once
        ({"content": "hi", "latency": {"ttft_ms": 1}}, False),  # the paced body
        ({"content": "hi"}, True),  # the stream
        ({"error": 503}, False),  # the error envelope
        ({"error": 503, "latency": {"headers_ms": 1}}, True),  # a paced error
    ],
)
def test_scripted_headers_arrive_byte_for_byte_on_every_path(
    fake: FakeOpenAI, reply: dict[str, object], stream: bool
) -> None:
    value = 'a; b="c, d"\t~!'  # printable ASCII and a tab: what HTTP carries
    script(fake, {**reply, "headers": {"X-Note": value, "x-count": 3}})
    body = {"model": "m", "messages": MESSAGES, "stream": stream}
    response = HTTP.post(fake.base_url + "/chat/completions", json=body)
    raw = dict(response.headers.raw)
    assert (raw[b"x-note"], raw[b"x-count"]) == (value.encode(), b"3")


@pytest.mark.parametrize("paced, stream", [(False, False), (True, False), (False, True)])
def test_a_scripted_content_type_replaces_ours(fake: FakeOpenAI, paced: bool, stream: bool) -> None:
    latency = {"latency": {"ttft_ms": 1}} if paced else {}
    script(fake, {"content": "hi", "headers": {"Content-Type": "text/plain"}, **latency})
    body = {"model": "m", "messages": MESSAGES, "stream": stream}
    response = HTTP.post(fake.base_url + "/chat/completions", json=body)
    assert [v for k, v in response.headers.raw if k == b"content-type"] == [b"text/plain"]


def test_errors_honour_latency(fake: FakeOpenAI) -> None:
    script(fake, {"error": 500, "latency": {"headers_ms": 100, "ttft_ms": 150}})
    started = time.perf_counter()
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 500
    assert 0.25 <= elapsed < 1.0
    timings = fake.requests.last.timings
    assert 100 <= timings["headers_ms"] < 250
    assert timings["total_ms"] >= 250


def test_a_sequence_counter_is_exact_under_concurrency(fake: FakeOpenAI) -> None:
    count = 64
    fake.load(
        {
            "name": "counted",
            "rules": [
                {
                    "name": "numbered",
                    "replies": [{"content": f"answer {i}"} for i in range(count)],
                    "then": "error",
                }
            ],
        }
    )

    def ask(_: int) -> httpx.Response:
        return HTTP.post(
            fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
        )

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(ask, range(count + 8)))
    answers = [
        r.json()["choices"][0]["message"]["content"] for r in responses if r.status_code == 200
    ]
    assert sorted(answers) == sorted(f"answer {i}" for i in range(count))  # none lost or doubled
    exhausted = [r for r in responses if r.status_code != 200]
    assert len(exhausted) == 8
    assert {r.json()["error"]["code"] for r in exhausted} == {"sequence_exhausted"}
    assert sorted(e.step for e in fake.requests if e.step is not None) == list(range(count + 8))


@pytest.mark.parametrize(
    ("keys", "wait"),
    [
        ({"retry_after_ms": 10}, "10ms"),
        ({"retry_after": 2}, "2s"),
        ({"retry_after": 0.25}, "250ms"),
        ({"retry_after_ms": 1500, "retry_after": 9}, "1.5s"),  # the SDKs read -ms first
        ({"ratelimit": {"reset_requests": "6s"}}, "6s"),
        ({}, "120ms"),  # no header: the real API's usual figure
    ],
)
def test_a_429_message_waits_as_long_as_its_headers_say(
    fake: FakeOpenAI, keys: dict[str, object], wait: str
) -> None:
    script(fake, {"error": 429, **keys})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert response.status_code == 429
    assert f"Please try again in {wait}. " in response.json()["error"]["message"]


def test_a_tokens_429_reads_the_tokens_reset_header(fake: FakeOpenAI) -> None:
    script(fake, {"error": {"status": 429, "type": "tokens"}, "ratelimit": {"reset_tokens": "3s"}})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert "tokens per min (TPM)" in response.json()["error"]["message"]
    assert "Please try again in 3s. " in response.json()["error"]["message"]
