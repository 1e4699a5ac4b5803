"""Request guards: every bad input gets the OpenAI envelope with the right status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeopenai import FakeOpenAI

ERROR_KEYS = {"message", "type", "param", "code"}


@pytest.fixture(scope="module")
def guarded() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-test-secret-key", max_body=4096) as fake:
        yield fake


@pytest.fixture(scope="module")
def http(guarded: FakeOpenAI) -> Iterator[httpx.Client]:
    headers = {"authorization": "Bearer sk-test-secret-key"}
    with httpx.Client(base_url=guarded.url, headers=headers) as client:
        yield client


def envelope(response: httpx.Response) -> dict[str, Any]:
    # a 4xx says its charset, as the real API's do (WIRE.md §9 row 12)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    return dict(body["error"])


def post(http: httpx.Client, body: Any, path: str = "/v1/chat/completions") -> httpx.Response:
    return http.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


USER = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("body", "message", "param", "code"),
    [
        ({"messages": USER}, "you must provide a model parameter", None, None),
        (
            {"model": "m"},
            "Missing required parameter: 'messages'.",
            "messages",
            "missing_required_parameter",
        ),
        (
            {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
            "Invalid value: 'wizard'. Supported values are: 'system', 'assistant', 'user', "
            "'function', 'tool', and 'developer'.",
            "messages[0].role",
            "invalid_value",
        ),
        (
            {"model": "m", "messages": USER, "stream_options": {"include_usage": True}},
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "stream_options",
            "invalid_value",
        ),
        (
            {"model": 5, "messages": USER},
            "Invalid type for 'model': expected a string, but got an integer instead.",
            "model",
            "invalid_type",
        ),
        (
            {"model": "m", "messages": [{"role": "user"}]},
            "Missing required parameter: 'messages[0].content'.",
            "messages[0].content",
            "missing_required_parameter",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": 5}]},
            "Invalid type for 'messages[0].content': expected one of a string or array of "
            "objects, but got an integer instead.",
            "messages[0].content",
            "invalid_type",
        ),
        (
            {"model": "m", "messages": []},
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
            "an empty array instead.",
            "messages",
            "empty_array",
        ),
    ],
)
def test_invalid_bodies_are_400(
    http: httpx.Client, body: Any, message: str, param: str | None, code: str | None
) -> None:
    response = post(http, body)
    assert response.status_code == 400
    assert envelope(response) == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": code,
    }


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/chat/completions", content=b"{not json")
    assert response.status_code == 400
    assert envelope(response)["message"].startswith("We could not parse the JSON body")


def test_unknown_fields_are_accepted(http: httpx.Client) -> None:
    response = post(http, {"model": "m", "messages": USER, "brand_new_param": {"x": 1}})
    assert response.status_code == 200


def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    response = post(http, {"model": "m", "messages": [{"role": "user", "content": "x" * 5000}]})
    assert response.status_code == 413
    assert envelope(response)["code"] == "request_too_large"


def test_missing_and_wrong_keys_are_401(guarded: FakeOpenAI) -> None:
    missing = httpx.post(guarded.base_url + "/chat/completions", json={"model": "m"})
    assert missing.status_code == 401
    assert envelope(missing)["message"].startswith("You didn't provide an API key.")
    client = openai.OpenAI(base_url=guarded.base_url, api_key="sk-wrong-key-123456")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_api_key"
    assert "sk-wrong*******3456" in caught.value.message  # as the real 401 masks it


def test_azure_api_key_header_is_accepted(guarded: FakeOpenAI) -> None:
    response = httpx.post(
        guarded.url + "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
        json={"messages": USER},
        headers={"api-key": "sk-test-secret-key"},
    )
    assert response.status_code == 200
    assert response.json()["model"] == "my-gpt"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/chat/completion"), ("GET", "/v1/chat/completions"), ("POST", "/v2/x")],
)
def test_unknown_paths_are_404_invalid_url(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path)
    assert response.status_code == 404
    assert envelope(response)["message"] == f"Invalid URL ({method} {path})"


def test_streaming_is_decided_by_the_body_not_accept(http: httpx.Client) -> None:
    response = http.post(
        "/v1/chat/completions",
        json={"model": "m", "messages": USER},
        headers={"accept": "text/event-stream"},
    )
    assert response.headers["content-type"] == "application/json"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
chat_like = st.fixed_dictionaries(
    {},
    optional={
        "model": json_values | st.text(max_size=5),
        "messages": json_values
        | st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "role": json_values | st.sampled_from(["user", "tool"]),
                    "content": json_values,
                },
            ),
            max_size=3,
        ),
        "stream": json_values,
        "stream_options": json_values,
        "tools": json_values,
        "tool_choice": json_values,
        "response_format": json_values,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=chat_like | json_values)
def test_random_json_never_gets_an_unscripted_5xx(http: httpx.Client, body: Any) -> None:
    response = post(http, body)
    assert response.status_code < 500
    if response.status_code != 200:
        envelope(response)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=64))
def test_random_bytes_get_the_envelope(http: httpx.Client, raw: bytes) -> None:
    response = http.post("/v1/chat/completions", content=raw)
    assert response.status_code == 400
    envelope(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/nonexistent"),
        ("POST", "/_fakeopenai/reset"),
        ("GET", "/_fakeopenai/requests"),
    ],
)
def test_a_body_over_max_body_gets_413_on_any_route(method: str, path: str) -> None:
    # (SPEC §4: "A request body over --max-body bytes (any route) gets 413".)
    with FakeOpenAI(max_body=1000) as fake:
        answer = httpx.request(method, fake.url + path, content=b"x" * 5000)
        assert answer.status_code == 413, answer.text
        assert "the limit is 1000 bytes" in answer.json()["error"]["message"]
