"""Azure OpenAI clients: deployment paths, ``api-version``, the ``api-key`` header."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

API_VERSION = "2024-10-21"


def azure_client(url: str, **options: Any) -> openai.AzureOpenAI:
    """An Azure client of the fake at ``url`` (``options``: more client arguments)."""
    return openai.AzureOpenAI(azure_endpoint=url, api_version=API_VERSION, **options)


@pytest.fixture
def azure(fake: FakeOpenAI) -> openai.AzureOpenAI:
    return azure_client(fake.url, api_key="azure-key", _strict_response_validation=True)


def test_chat_on_the_deployment_path(azure: openai.AzureOpenAI, fake: FakeOpenAI) -> None:
    completion = azure.chat.completions.create(
        model="contoso-chat", messages=[{"role": "user", "content": "Anyone there?"}]
    )
    assert completion.choices[0].message.content == "Hello from the contoso-chat deployment."
    entry = fake.requests.last
    assert entry.path == "/openai/deployments/contoso-chat/chat/completions"
    assert entry.headers["api-key"] == "az***"  # the journal masks keys
    assert (entry.model, entry.rule) == ("contoso-chat", "contoso-deployment")


def test_deployment_names_the_model_when_the_body_has_none(fake: FakeOpenAI) -> None:
    answer = httpx.post(
        f"{fake.url}/openai/deployments/contoso-chat/chat/completions",
        params={"api-version": API_VERSION},
        headers={"api-key": "azure-key"},
        json={"messages": [{"role": "user", "content": "hi?"}]},
    )
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"].startswith("Hello from the contoso")
    assert fake.requests.last.model == "contoso-chat"


def test_embeddings_on_the_deployment_path(azure: openai.AzureOpenAI, fake: FakeOpenAI) -> None:
    answer = azure.embeddings.create(
        model="text-embedding-3-small", input="azure text", encoding_format="float"
    )
    assert len(answer.data[0].embedding) == 1536
    assert fake.requests.last.path == "/openai/deployments/text-embedding-3-small/embeddings"


def test_responses_and_models_on_bare_openai_paths(
    azure: openai.AzureOpenAI, fake: FakeOpenAI
) -> None:
    response = azure.responses.create(model="gpt-4o", input="a haiku")
    assert response.output_text.startswith("Morning light")
    assert fake.requests.last.path == "/openai/responses"
    assert "gpt-4o" in [model.id for model in azure.models.list()]
    assert fake.requests.last.path == "/openai/models"


def test_completions_on_the_deployment_path(azure: openai.AzureOpenAI, fake: FakeOpenAI) -> None:
    completion = azure.completions.create(model="instruct", prompt="Say this is a test")
    assert completion.choices[0].text == "\n\nThis is indeed a test"
    assert fake.requests.last.path == "/openai/deployments/instruct/completions"


def test_api_key_header_is_checked() -> None:
    with FakeOpenAI(api_key="right-key") as fake:
        good = openai.AzureOpenAI(
            azure_endpoint=fake.url, api_version=API_VERSION, api_key="right-key"
        )
        assert good.responses.create(model="gpt-4o", input="x").output_text
        bad = openai.AzureOpenAI(
            azure_endpoint=fake.url, api_version=API_VERSION, api_key="wrong-key", max_retries=0
        )
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()


def test_a_deployment_outside_the_model_list_is_not_found() -> None:
    # The SDK sends the model in the body too: the deployment is still checked (SPEC).
    listed = {"name": "listed", "models": ["gpt-4o"], "rules": [{"reply": {"content": "hi"}}]}
    with FakeOpenAI(listed) as fake:
        messages: Any = [{"role": "user", "content": "x"}]
        nope = azure_client(fake.url, api_key="k", azure_deployment="nope", max_retries=0)
        with pytest.raises(openai.NotFoundError) as caught:
            nope.chat.completions.create(model="gpt-4o", messages=messages)
        assert caught.value.code == "model_not_found"
        listed_one = azure_client(fake.url, api_key="k", azure_deployment="gpt-4o")
        answer = listed_one.chat.completions.create(model="gpt-4o", messages=messages)
        assert answer.choices[0].message.content == "hi"
