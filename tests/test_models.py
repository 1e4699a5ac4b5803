"""``GET models`` and ``GET models/{id}``: the default list, a declared list, 404s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

DECLARED = """
name: catalogue
models: [gpt-4o-mini, "ft:gpt-4o-mini:acme::abc123", meta-llama/Llama-3-8b]
rules:
  - reply: {content: ok}
"""


def test_default_list(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    for expected in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "text-embedding-3-small"):
        assert expected in ids
    assert len(ids) == len(set(ids))


def test_retrieve(client: openai.OpenAI) -> None:
    model = client.models.retrieve("gpt-4o-mini")
    assert (model.id, model.object, model.owned_by) == ("gpt-4o-mini", "model", "system")
    assert model.created > 1_600_000_000


def test_unknown_model_is_404(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-9")
    assert caught.value.code == "model_not_found"
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["message"] == "The model `gpt-9` does not exist or you do not have access to it."
    assert fake.requests.last.status == 404


@pytest.fixture(scope="module")
def declared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOpenAI]:
    path: Path = tmp_path_factory.mktemp("models") / "catalogue.yaml"
    path.write_text(DECLARED)
    with FakeOpenAI(path) as fake:
        yield fake


def test_declared_list_is_served(declared: FakeOpenAI) -> None:
    client = openai.OpenAI(
        base_url=declared.base_url, api_key="k", _strict_response_validation=True
    )
    ids = [model.id for model in client.models.list()]
    assert ids == ["gpt-4o-mini", "ft:gpt-4o-mini:acme::abc123", "meta-llama/Llama-3-8b"]
    assert client.models.retrieve("ft:gpt-4o-mini:acme::abc123").id == (
        "ft:gpt-4o-mini:acme::abc123"
    )
    assert client.models.retrieve("meta-llama/Llama-3-8b").id == "meta-llama/Llama-3-8b"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")  # in the default list, not in the declared one


def test_declared_list_guards_every_endpoint(declared: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=declared.base_url, api_key="k", max_retries=0)
    assert client.responses.create(model="gpt-4o-mini", input="x").output_text == "ok"
    # The Responses API says 400, with its own wording (WIRE.md §9 row 1)
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-4o", input="x")
    assert (refused.value.code, refused.value.param) == ("model_not_found", "model")
    assert refused.value.message == "Error code: 400 - The requested model 'gpt-4o' does not exist."
    for call in (
        lambda: client.embeddings.create(model="text-embedding-3-small", input="x"),
        lambda: client.completions.create(model="davinci-002", prompt="x"),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.code == "model_not_found"


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1", "/openai", ""])
def test_every_prefix(fake: FakeOpenAI, prefix: str) -> None:
    answer = httpx.get(f"{fake.url}{prefix}/models")
    assert answer.status_code == 200
    assert answer.json()["object"] == "list"
    assert httpx.get(f"{fake.url}{prefix}/models/gpt-4o").json()["id"] == "gpt-4o"


def test_post_to_models_is_an_invalid_url(fake: FakeOpenAI) -> None:
    answer = httpx.post(f"{fake.base_url}/models", json={})
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "Invalid URL (POST /v1/models)"


def test_a_trailing_slash_is_not_part_of_the_model_id() -> None:
    import httpx

    with FakeOpenAI() as fake:
        answer = httpx.get(fake.base_url + "/models/gpt-4o/")
        assert answer.status_code == 200 and answer.json()["id"] == "gpt-4o"
