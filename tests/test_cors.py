"""CORS over real HTTP: preflights from allowed and other origins, exposed headers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.cors import normalise_origin

APP = "http://localhost:5173"
HELLO = {"name": "hello", "rules": [{"reply": {"content": "Hello!"}}]}
# What the openai JS SDK and a browser ask for before a chat call.
SDK_HEADERS = (
    "authorization, content-type, x-stainless-os, x-stainless-lang, x-stainless-retry-count, "
    "openai-organization, openai-project, x-fakeopenai-scenario, api-key"
)
HTTP = httpx.Client(timeout=5)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(HELLO, cors_origins=[APP, "https://ui.example.com"]) as running:
        yield running


def preflight(url: str, origin: str, method: str = "POST") -> httpx.Response:
    return HTTP.options(
        url + "/v1/chat/completions",
        headers={
            "origin": origin,
            "access-control-request-method": method,
            "access-control-request-headers": SDK_HEADERS,
        },
    )


def test_preflight_from_an_allowed_origin_allows_the_sdk_headers(fake: FakeOpenAI) -> None:
    response = preflight(fake.url, APP)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert allowed >= {h.strip() for h in SDK_HEADERS.split(",")}
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-max-age"] == "600"
    assert len(fake.requests) == 0  # a preflight is not an API request


def test_preflight_from_another_origin_is_refused(fake: FakeOpenAI) -> None:
    response = preflight(fake.url, "http://evil.example")
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers


def test_allowed_origin_can_read_the_answer_and_request_id(fake: FakeOpenAI) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    response = HTTP.post(fake.base_url + "/chat/completions", json=body, headers={"origin": APP})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    exposed = [h.strip() for h in response.headers["access-control-expose-headers"].split(",")]
    assert {
        "x-request-id",
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-remaining-requests",
    } <= set(exposed)
    other = HTTP.post(
        fake.base_url + "/chat/completions", json=body, headers={"origin": "http://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_streams_carry_the_cors_header(fake: FakeOpenAI) -> None:
    body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    response = HTTP.post(fake.base_url + "/chat/completions", json=body, headers={"origin": APP})
    assert response.headers["access-control-allow-origin"] == APP
    assert response.text.endswith("data: [DONE]\n\n")


def test_star_allows_any_origin() -> None:
    with FakeOpenAI(HELLO, cors_origins=["*"]) as fake:
        response = preflight(fake.url, "http://anything.example")
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"


def test_without_cors_origins_there_are_no_cors_answers() -> None:
    with FakeOpenAI(HELLO) as fake:
        response = preflight(fake.url, APP)
        assert "access-control-allow-origin" not in response.headers
        # No CORS: OPTIONS is just another unknown route, as on the real API.
        assert response.status_code == 404
        assert response.json()["error"]["message"].startswith("Invalid URL (OPTIONS /v1/")


def test_the_control_api_gets_no_cors_even_for_allowed_origins(fake: FakeOpenAI) -> None:
    # The journal holds prompts: no web page, even an allowed one, may read it.
    read = HTTP.get(fake.url + "/_fakeopenai/requests", headers={"origin": APP})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    write = HTTP.post(fake.url + "/_fakeopenai/reset", headers={"origin": APP})
    assert write.status_code == 403


def test_the_journal_never_holds_a_usable_key(fake: FakeOpenAI) -> None:
    secret = {"authorization": "Bearer sk-proj-REALKEY123", "api-key": "azure-key-987654"}
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    assert HTTP.post(fake.url + "/v1/chat/completions", json=chat, headers=secret).is_success
    entry = HTTP.get(fake.url + "/_fakeopenai/requests").json()[-1]
    assert entry["headers"]["authorization"] == "Bearer sk-***3"
    assert entry["headers"]["api-key"] == "azu***4"
    assert "REALKEY" not in json.dumps(entry)


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("http://localhost:5173/", "http://localhost:5173"),
        ("HTTPS://UI.Example.com", "https://ui.example.com"),
        ("*", "*"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(given: str, origin: str) -> None:
    assert normalise_origin(given) == origin


@pytest.mark.parametrize("bad", ["localhost:5173", "http://localhost:5173/app", "ftp://x", ""])
def test_a_value_that_is_not_an_origin_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"is not an origin; give scheme://host\[:port\]"):
        normalise_origin(bad)
