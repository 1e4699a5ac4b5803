"""Row 2: the real API's request limits, and large answers that do not freeze the server."""

from __future__ import annotations

import httpx
import pytest
from harness import bounded, is_envelope

from cli_server import Served


def _post(client: httpx.Client, path: str, body: dict[str, object]) -> httpx.Response:
    return client.post(path, json=body)


def test_embeddings_with_too_many_inputs(served: Served, client: httpx.Client) -> None:
    body = {"model": "text-embedding-3-small", "input": ["x"] * 100_000}
    outcome = bounded(served, lambda: _post(client, "/v1/embeddings", body))
    answer = outcome.value
    assert answer.status_code == 400 and is_envelope(answer)
    assert "'$.input' is invalid" in answer.json()["error"]["message"]


def test_embeddings_at_the_limit_are_answered(served: Served, client: httpx.Client) -> None:
    # 2,048 inputs × 3,072 dimensions is legal on the real API; base64 as the SDKs ask.
    # 6.3 million values take seconds of CPU on a loaded machine (the time bound is
    # relaxed for this one legal answer); memory and the health route stay bounded.
    body = {
        "model": "text-embedding-3-large",
        "input": [f"text {i}" for i in range(2048)],
        "encoding_format": "base64",
    }
    outcome = bounded(served, lambda: _post(client, "/v1/embeddings", body), seconds=15)
    assert outcome.value.status_code == 200
    assert len(outcome.value.json()["data"]) == 2048


def test_embeddings_floats_at_the_limit_are_answered(served: Served, client: httpx.Client) -> None:
    body = {"model": "text-embedding-3-small", "input": ["t"] * 2048, "dimensions": 512}
    # A legal answer of a million floats: its CPU time is the relaxed bound; the health
    # route and memory keep theirs.
    outcome = bounded(served, lambda: _post(client, "/v1/embeddings", body), seconds=10)
    assert outcome.value.status_code == 200
    assert len(outcome.value.json()["data"][2047]["embedding"]) == 512


def test_embeddings_token_caps(served: Served, client: httpx.Client) -> None:
    one = {"model": "text-embedding-3-small", "input": "word " * 9000}
    outcome = bounded(served, lambda: _post(client, "/v1/embeddings", one))
    assert outcome.value.status_code == 400
    assert "maximum context length is 8192 tokens" in outcome.value.json()["error"]["message"]
    many = {"model": "text-embedding-3-small", "input": ["word " * 8000] * 40}
    outcome = bounded(served, lambda: _post(client, "/v1/embeddings", many))
    assert outcome.value.status_code == 400
    error = outcome.value.json()["error"]
    assert error["code"] == "max_tokens_per_request"
    assert "max 300000 tokens per request" in error["message"]


def test_embeddings_dimensions_beyond_the_model(served: Served, client: httpx.Client) -> None:
    body = {"model": "text-embedding-3-small", "input": "x", "dimensions": 10**9}
    answer = _post(client, "/v1/embeddings", body)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "dimensions"


def test_legacy_prompts_times_n(served: Served, client: httpx.Client) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": ["p"] * 2000, "n": 128, "logprobs": 5}
    outcome = bounded(served, lambda: _post(client, "/v1/completions", body))
    answer = outcome.value
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "n"
    too_many = {"model": "gpt-3.5-turbo-instruct", "prompt": ["p"] * 3000}
    answer = _post(client, "/v1/completions", too_many)
    assert answer.status_code == 400 and "'$.prompt' is invalid" in answer.text
    at_limit = {"model": "gpt-3.5-turbo-instruct", "prompt": ["p"] * 16, "n": 128, "logprobs": 5}
    outcome = bounded(served, lambda: _post(client, "/v1/completions", at_limit))
    assert outcome.value.status_code == 200
    assert len(outcome.value.json()["choices"]) == 2048


def test_chat_n_over_128(served: Served, client: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "n": 129}
    answer = _post(client, "/v1/chat/completions", body)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "n"


MEGABYTE = 1_000_000
# 1 MB prompts of the shapes that once held the GIL for 0.1-0.4 s in one regex step or
# ``split`` (prose, one run of symbols, of spaces, of newlines): each runs in a worker
# thread, but a step that holds the GIL stalls the event loop's thread all the same.
PROMPTS = {
    "prose": "hello world, this is a prompt. " * (MEGABYTE // 31),
    "symbols": "!" * MEGABYTE,
    "spaces": " " * MEGABYTE,
    "newlines": "\n" * MEGABYTE,
}
ENDPOINTS = {
    "chat": (
        "/v1/chat/completions",
        lambda text: {"messages": [{"role": "user", "content": text}]},
    ),
    "responses": ("/v1/responses", lambda text: {"input": text}),
    "completions": ("/v1/completions", lambda text: {"prompt": text}),
}


@pytest.mark.parametrize(
    ("endpoint", "shape"),
    [("chat", shape) for shape in PROMPTS] + [("responses", "prose"), ("completions", "prose")],
)
def test_a_megabyte_prompt_does_not_stall_others(
    served: Served, client: httpx.Client, endpoint: str, shape: str
) -> None:
    path, make = ENDPOINTS[endpoint]
    model = "gpt-3.5-turbo-instruct" if endpoint == "completions" else "gpt-4o"
    body = {"model": model, **make(PROMPTS[shape])}
    outcome = bounded(served, lambda: _post(client, path, body))
    assert outcome.value.status_code == 200
