"""Embeddings: deterministic unit vectors, both encodings, ``dimensions``, pinned vectors."""

from __future__ import annotations

import array
import base64
import math
import time

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.wire.embeddings import vector


def norm(values: list[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in values))


def test_float_vectors_are_unit_length_and_deterministic(client: openai.OpenAI) -> None:
    texts = ["a cat sat", "a dog ran", "a cat sat"]
    answer = client.embeddings.create(
        model="text-embedding-3-small", input=texts, encoding_format="float"
    )
    vectors = [item.embedding for item in answer.data]
    assert [item.index for item in answer.data] == [0, 1, 2]
    assert all(len(v) == 1536 for v in vectors)
    assert all(abs(norm(v) - 1) < 1e-6 for v in vectors)
    assert vectors[0] == vectors[2]
    assert vectors[0] != vectors[1]
    assert answer.usage.prompt_tokens == answer.usage.total_tokens > 0
    again = client.embeddings.create(
        model="text-embedding-3-small", input="a cat sat", encoding_format="float"
    )
    assert again.data[0].embedding == vectors[0]


def test_default_base64_with_dimensions_equals_float(fake: FakeOpenAI) -> None:
    # The SDK asks for base64 when no encoding is given and decodes it itself; strict
    # validation rejects any base64 answer (SPEC §1 caveat), so this client is not strict.
    loose = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key)
    encoded = loose.embeddings.create(
        model="text-embedding-3-large", input="hello vectors", dimensions=256
    )
    assert fake.requests.last.body["encoding_format"] == "base64"
    as_floats = loose.embeddings.create(
        model="text-embedding-3-large",
        input="hello vectors",
        dimensions=256,
        encoding_format="float",
    )
    assert len(encoded.data[0].embedding) == 256
    assert encoded.data[0].embedding == as_floats.data[0].embedding
    assert abs(norm(as_floats.data[0].embedding) - 1) < 1e-6


def test_base64_is_little_endian_float32(fake: FakeOpenAI) -> None:
    body = {"model": "text-embedding-3-small", "input": "bytes", "encoding_format": "base64"}
    raw = httpx.post(f"{fake.base_url}/embeddings", json=body).json()["data"][0]["embedding"]
    decoded = array.array("f", base64.b64decode(raw))  # tests run on little-endian hosts
    body["encoding_format"] = "float"
    floats = httpx.post(f"{fake.base_url}/embeddings", json=body).json()["data"][0]["embedding"]
    assert decoded.tolist() == floats


@pytest.mark.parametrize(
    ("model", "size"),
    [("text-embedding-3-large", 3072), ("text-embedding-ada-002", 1536), ("my-embedder", 1536)],
)
def test_default_dimensions_per_model(client: openai.OpenAI, model: str, size: int) -> None:
    answer = client.embeddings.create(model=model, input="x", encoding_format="float")
    assert len(answer.data[0].embedding) == size


def test_token_array_inputs(client: openai.OpenAI) -> None:
    answer = client.embeddings.create(
        model="text-embedding-3-small", input=[[1, 2, 3], [4, 5]], encoding_format="float"
    )
    assert len(answer.data) == 2
    assert answer.usage.prompt_tokens == 5


def test_pinned_vector(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    answer = client.embeddings.create(
        model="text-embedding-3-small", input="the pinned sentence", encoding_format="float"
    )
    assert answer.data[0].embedding == pytest.approx([0.6, 0.8, 0.0])
    assert fake.requests.last.rule == "pinned-vector"


def test_one_pinned_vector_per_input(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.add(
        {"match": {"endpoint": "embeddings"}, "reply": {"embedding": [[1.0, 0.0], [0.0, 1.0]]}}
    )
    answer = client.embeddings.create(model="m", input=["a", "b"], encoding_format="float")
    assert [d.embedding for d in answer.data] == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(openai.InternalServerError, match="pins 2 embedding vectors"):
        client.embeddings.create(model="m", input=["a", "b", "c"], encoding_format="float")


def test_scripted_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model="text-embedding-limited", input="x")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"model": "text-embedding-ada-002", "dimensions": 8}, "does not support specifying"),
        ({"dimensions": 0}, "Invalid value for 'dimensions'"),
        ({"dimensions": 2000}, "between 1 and 1536"),
        ({"input": ""}, "'$.input' is invalid"),
        ({"input": ["ok", ""]}, "'$.input' is invalid"),
        ({"input": [1, "a"]}, "'$.input' is invalid"),
        ({"encoding_format": "hex"}, "Supported values are: 'float' and 'base64'."),
    ],
)
def test_invalid_requests_are_400(fake: FakeOpenAI, extra: dict[str, object], message: str) -> None:
    body = {"model": "text-embedding-3-small", "input": "x", **extra}
    answer = httpx.post(f"{fake.base_url}/embeddings", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_a_lone_surrogate_is_an_input_like_any_other(fake: FakeOpenAI) -> None:
    """ "\\ud800" is valid JSON: the vector comes from its escape's bytes, repeatably."""
    body = b'{"model": "text-embedding-3-small", "input": ["a", "\\ud800", "\\udfff"]}'
    answers = [
        httpx.post(f"{fake.base_url}/embeddings", content=body).json()["data"] for _ in range(2)
    ]
    assert answers[0] == answers[1] and len(answers[0]) == 3
    assert len({tuple(item["embedding"][:8]) for item in answers[0]}) == 3


def test_generation_is_fast() -> None:
    vector("warm up", 1, 3072)
    started = time.perf_counter()
    for index in range(50):
        vector(f"text {index}", 1, 3072)
    # well under a millisecond each on an idle machine; generous for loaded CI hosts
    assert (time.perf_counter() - started) / 50 < 0.01


def test_many_inputs_carry_every_header_and_schema(fake: FakeOpenAI) -> None:
    # More than 16 inputs are sent vector by vector: still the real answer's headers.
    body = {"model": "text-embedding-3-small", "input": [f"t{i}" for i in range(40)]}
    answer = httpx.post(fake.base_url + "/embeddings", json=body)
    assert answer.status_code == 200 and len(answer.json()["data"]) == 40
    for name in ("openai-organization", "x-ratelimit-remaining-requests", "x-request-id"):
        assert name in answer.headers
    with FakeOpenAI(emit_schema=True) as linked:
        answer = httpx.post(linked.base_url + "/embeddings", json=body)
        assert "$schema" in answer.json() and "link" in answer.headers


def test_a_client_leaving_many_inputs_stops_their_making(fake: FakeOpenAI) -> None:
    body = {"model": "text-embedding-3-large", "input": [f"w{i}" for i in range(2048)]}
    body["encoding_format"] = "float"
    with (
        httpx.Client(base_url=fake.base_url, timeout=30) as http,
        http.stream("POST", "/embeddings", json=body) as answer,
    ):
        next(answer.iter_raw())  # the first bytes, then the client goes
    deadline = time.monotonic() + 5
    while not fake.requests[-1].client_disconnected and time.monotonic() < deadline:
        time.sleep(0.05)
    entry = fake.requests[-1]
    assert entry.client_disconnected and not entry.completed
