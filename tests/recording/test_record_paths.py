"""The proxy answers on every path ``serve`` does: each base prefix, Azure deployments."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import yaml

from fakeopenai import FakeOpenAI

MESSAGES: Any = [{"role": "user", "content": "hello"}]


def test_azure_deployments_record_and_replay(recorder, upstream):
    rec = recorder(upstream.url + "/openai/deployments/{deployment}")
    root = rec.base_url.removesuffix("/v1")
    client = openai.AzureOpenAI(
        azure_endpoint=root, api_key="azure-key-123456", api_version="2024-10-21", max_retries=0
    )
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert upstream.requests[-1].path == "/openai/deployments/gpt-4o-mini/chat/completions"
    rule = yaml.safe_load(rec.text())["rules"][0]
    assert rule["match"]["model"] == "gpt-4o-mini"
    with FakeOpenAI(rec.out) as replay:
        again = openai.AzureOpenAI(
            azure_endpoint=replay.url, api_key="k", api_version="2024-10-21", max_retries=0
        )
        replayed = again.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert replayed.choices[0].message.content == answer.choices[0].message.content


def test_a_deployment_to_a_plain_upstream_names_the_model_in_the_body(recorder, upstream):
    rec = recorder()
    root = rec.base_url.removesuffix("/v1")
    response = httpx.post(
        f"{root}/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
        json={"messages": MESSAGES},
        headers={"api-key": "azure-key-123456"},
    )
    assert response.status_code == 200
    assert upstream.requests[-1].body["model"] == "gpt-4o-mini"
    assert upstream.requests[-1].path == "/v1/chat/completions"


def test_every_base_prefix_reaches_the_upstream(recorder, upstream):
    rec = recorder()
    root = rec.base_url.removesuffix("/v1")
    for prefix in ("/v1", "/openai/v1", ""):
        response = httpx.post(
            f"{root}{prefix}/chat/completions", json={"model": "gpt-4o-mini", "messages": MESSAGES}
        )
        assert response.status_code == 200, prefix
    assert httpx.get(f"{root}/openai/models/gpt-4o").json()["id"] == "gpt-4o"
    missing = httpx.post(f"{root}/v1/nowhere", json={})
    assert missing.status_code == 404
    assert "Invalid URL" in missing.json()["error"]["message"]
    assert len(yaml.safe_load(rec.text())["rules"][0]["replies"]) == 3
