"""A bounded fuzz run over every endpoint (~2,000 requests): every non-2xx answer is an
envelope, nothing is a 5xx, and the server's log holds no traceback.

Generating a body costs more than sending it, so each fuzzed body goes to every
request-body route (six requests an example)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from harness import is_envelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_server import Served

# Examples per test (5 tests; the bodies' sends six requests an example): 200 make
# ~2,000 requests (FAKEOPENAI_FUZZ_EXAMPLES for a longer or shorter run).
EXAMPLES = int(os.environ.get("FAKEOPENAI_FUZZ_EXAMPLES", "200"))

scalars = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "x"])
parts = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["text", "input_text", "image_url", "x"]),
        "text": st.text(max_size=20),
    }
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": roles, "content": st.text(max_size=40) | st.lists(parts, max_size=3) | values},
        optional={
            "tool_call_id": st.text(max_size=8),
            "name": st.text(max_size=8),
            "tool_calls": values,
        },
    ),
    max_size=4,
)
schemas = st.fixed_dictionaries(
    {"type": st.sampled_from(["object", "string", "array", "integer", "x"])},
    optional={
        "properties": st.dictionaries(
            st.text(max_size=6),
            st.fixed_dictionaries(
                {"type": st.sampled_from(["string", "number", "boolean"])},
                optional={"pattern": st.text("ab()+*?|[]{}^$\\.", max_size=12)},
            ),
            max_size=3,
        ),
        "required": values,
        "pattern": st.text("ab()+*?|{}^$", max_size=12),
    },
)
KEYS: dict[str, Any] = {
    "model": st.sampled_from(["gpt-4o", "text-embedding-3-small", "text-embedding-ada-002"])
    | values,
    "messages": messages | values,
    "input": st.text(max_size=40) | st.lists(st.text(max_size=10), max_size=5) | messages | values,
    "prompt": st.text(max_size=40) | st.lists(st.text(max_size=10), max_size=5) | values,
    "stream": st.booleans() | values,
    "n": st.integers(-2, 200) | values,
    "max_tokens": st.integers(-2, 100_000) | values,
    "temperature": st.floats(-1, 3) | values,
    "logprobs": st.booleans() | st.integers(-1, 10) | values,
    "top_logprobs": st.integers(-1, 30) | values,
    "dimensions": st.integers(-1, 5000) | values,
    "encoding_format": st.sampled_from(["float", "base64", "x"]) | values,
    "stop": st.text(max_size=5) | st.lists(st.text(max_size=3), max_size=5) | values,
    "tools": st.lists(
        st.fixed_dictionaries(
            {
                "type": st.just("function"),
                "function": st.fixed_dictionaries(
                    {"name": st.text(max_size=8)}, optional={"parameters": schemas}
                ),
            }
        ),
        max_size=3,
    )
    | values,
    "tool_choice": st.sampled_from(["auto", "none", "required"]) | values,
    "response_format": st.fixed_dictionaries(
        {"type": st.sampled_from(["json_schema", "json_object", "text"])},
        optional={
            "json_schema": st.fixed_dictionaries({"name": st.text(max_size=5), "schema": schemas})
        },
    )
    | values,
    "previous_response_id": st.text(max_size=10) | values,
    "stream_options": values,
    "echo": values,
}
bodies = st.fixed_dictionaries({}, optional=KEYS)
ROUTES = [
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/responses"),
    ("POST", "/v1/completions"),
    ("POST", "/v1/embeddings"),
    ("POST", "/openai/deployments/dep/chat/completions"),
    ("POST", "/v1/conversations"),
]
# Stored responses and conversations, and the journal's entries, by id ({id}: one that
# exists, or any text); with query strings and, for POST, a body.
STATE_PATHS = [
    "/v1/responses/{id}",
    "/v1/responses/{id}/input_items",
    "/v1/conversations/{id}",
    "/v1/conversations/{id}/items",
    "/v1/conversations/{id}/items/{item}",
    "/_fakeopenai/requests/{id}",
]
queries = st.dictionaries(
    st.sampled_from(["limit", "order", "after", "before", "include", "offset", "since"]),
    st.text("abc_-0123456789%", max_size=6) | st.integers(-5, 200).map(str),
    max_size=3,
)
# Scenario documents for PUT /_fakeopenai/scenarios: the right shape, anything inside.
rules = st.fixed_dictionaries(
    {"name": st.text(max_size=6)},
    optional={
        "match": st.dictionaries(
            st.sampled_from(["last_user", "model", "endpoint", "json", "regex", "contains", "x"]),
            values,
            max_size=3,
        )
        | values,
        "reply": st.dictionaries(
            st.sampled_from(["content", "error", "tool_calls", "latency", "fault", "chunks", "x"]),
            values,
            max_size=3,
        )
        | values,
        "replies": values,
    },
)
documents = st.fixed_dictionaries(
    {"rules": st.lists(rules, max_size=3) | values},
    optional={"name": st.text(max_size=8) | values, "seed": values, "chaos": values},
)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: ~10x faster
uploads = (
    documents.map(lambda doc: (json.dumps(doc, allow_nan=True), "application/json"))
    | documents.map(lambda doc: (yaml.dump(doc, Dumper=DUMPER), "application/yaml"))
    | st.text(max_size=80).map(lambda text: (text, "application/yaml"))
)


@pytest.fixture(scope="module")
def fuzzed(served: Served) -> Iterator[tuple[Served, httpx.Client]]:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        yield served, client
    assert "Traceback" not in served.stderr, served.stderr[-3000:]


@pytest.fixture(scope="module")
def known(fuzzed: tuple[Served, httpx.Client]) -> list[str]:
    """Ids that exist: a stored response, a conversation and its item, a journal entry."""
    _, client = fuzzed
    response = client.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"}).json()
    conversation = client.post("/v1/conversations", json={"items": []}).json()["id"]
    item = client.post(
        f"/v1/conversations/{conversation}/items",
        json={"items": [{"type": "message", "role": "user", "content": "hi"}]},
    ).json()["data"][0]["id"]
    entry = client.get("/_fakeopenai/requests").json()[-1]["id"]
    return [response["id"], conversation, item, str(entry)]


def _check(answer: httpx.Response) -> None:
    where = f"{answer.request.method} {answer.request.url.raw_path.decode()}"
    assert answer.status_code < 500, (where, answer.status_code, answer.text[:500])
    if not answer.is_success:
        assert is_envelope(answer), (where, answer.text[:500])


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=bodies)
def test_fuzz_bodies(fuzzed: tuple[Served, httpx.Client], body: dict[str, Any]) -> None:
    _, client = fuzzed
    content = json.dumps(body, allow_nan=True)
    for method, path in ROUTES:
        _check(client.request(method, path, content=content))


@FUZZ
@given(raw=st.binary(max_size=200), path=st.sampled_from([p for _, p in ROUTES]))
def test_fuzz_raw_bytes(fuzzed: tuple[Served, httpx.Client], raw: bytes, path: str) -> None:
    _, client = fuzzed
    _check(client.post(path, content=raw, headers={"content-type": "application/json"}))


@FUZZ
@given(
    path=st.sampled_from(["/v1/models", "/v1/models/", "/models", "/_fakeopenai/requests"]).flatmap(
        lambda base: st.builds(lambda tail: base + tail, st.text("abc/:%?=&-._", max_size=12))
    ),
)
def test_fuzz_reads(fuzzed: tuple[Served, httpx.Client], path: str) -> None:
    _, client = fuzzed
    answer = client.get(path)
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    path=st.sampled_from(STATE_PATHS),
    ids=st.lists(st.integers(0, 3) | st.text("abcdef_-0123456789%.", max_size=12), min_size=2),
    query=queries,
    body=values,
)
def test_fuzz_stored_state(
    fuzzed: tuple[Served, httpx.Client],
    known: list[str],
    method: str,
    path: str,
    ids: list[int | str],
    query: dict[str, str],
    body: Any,
) -> None:
    _, client = fuzzed
    first, second = (known[i] if isinstance(i, int) else i for i in ids[:2])
    url = path.format(id=first, item=second)
    content = json.dumps(body, allow_nan=True) if method == "POST" else None
    _check(client.request(method, url, params=query, content=content))


@pytest.fixture(scope="module")
def uploading(scripted: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scripted.url, timeout=30) as client:
        yield client
        client.post("/_fakeopenai/reset")
    assert "Traceback" not in scripted.stderr, scripted.stderr[-3000:]


@FUZZ
@given(upload=uploads)
def test_fuzz_scenario_uploads(uploading: httpx.Client, upload: tuple[str, str]) -> None:
    text, media = upload
    answer = uploading.put(
        "/_fakeopenai/scenarios", content=text.encode(), headers={"content-type": media}
    )
    assert answer.status_code in (200, 400), (answer.status_code, answer.text[:500])
    if answer.status_code == 400:
        assert is_envelope(answer) and answer.json()["error"]["issues"], answer.text[:500]
