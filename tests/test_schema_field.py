"""The seed gateway's read-only ``$schema`` field: off by default, first key when on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest
from starlette.testclient import TestClient

from fakeopenai import FakeOpenAI, create_app


@pytest.fixture(scope="module")
def gateway() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(emit_schema=True) as fake:
        yield fake


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        (
            "chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            "ChatCompletion",
        ),
        ("responses", {"model": "m", "input": "x"}, "Response"),
        ("completions", {"model": "m", "prompt": "x"}, "Completion"),
        ("embeddings", {"model": "m", "input": "x"}, "CreateEmbeddingResponse"),
    ],
)
def test_schema_is_the_first_key(
    gateway: FakeOpenAI, path: str, body: dict[str, object], name: str
) -> None:
    answer = httpx.post(f"{gateway.base_url}/{path}", json=body)
    host = answer.request.headers["host"]
    keys = list(json.loads(answer.content))
    assert keys[0] == "$schema"
    assert answer.json()["$schema"] == f"http://{host}/schemas/{name}.json"
    assert answer.headers["link"] == f'</schemas/{name}.json>; rel="describedBy"'


def test_models_and_model(gateway: FakeOpenAI) -> None:
    listed = httpx.get(f"{gateway.base_url}/models").json()
    assert listed["$schema"].endswith("/schemas/ListModelsResponse.json")
    one = httpx.get(f"{gateway.base_url}/models/gpt-4o").json()
    assert next(iter(one)) == "$schema" and one["$schema"].endswith("/schemas/Model.json")


def test_errors_and_streams_stay_plain(gateway: FakeOpenAI) -> None:
    error = httpx.post(f"{gateway.base_url}/responses", json={"input": "x"}).json()
    assert list(error) == ["error"]
    streamed = httpx.post(
        f"{gateway.base_url}/responses", json={"model": "m", "input": "x", "stream": True}
    )
    assert b"$schema" not in streamed.content


def test_strict_sdk_accepts_the_field(gateway: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=gateway.base_url, api_key="k", _strict_response_validation=True)
    assert client.responses.create(model="gpt-4o", input="x").output_text
    assert client.models.retrieve("gpt-4o").id == "gpt-4o"


def test_off_by_default_and_a_create_app_option() -> None:
    body = {"model": "m", "input": "x"}
    with TestClient(create_app()) as plain:
        assert "$schema" not in plain.post("/v1/responses", json=body).json()
    with TestClient(create_app(emit_schema=True)) as gateway:
        assert "$schema" in gateway.post("/v1/responses", json=body).json()
