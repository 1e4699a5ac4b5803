"""``fakeopenai import``: vcrpy / pytest-recording cassettes (requests, httpx old and
new, aiohttp; gzip'd, plain and SSE bodies) → the rules ``record`` writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml
from click.testing import CliRunner

from fakeopenai import FakeOpenAI
from fakeopenai.cli import main
from fakeopenai.recording.vcryaml import load

CASSETTES = Path(__file__).resolve().parent / "cassettes"
ALL = sorted(str(p) for p in CASSETTES.glob("*.yaml"))
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def ask(text: str) -> Any:
    return [{"role": "user", "content": text}]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("imported") / "imported.yaml"
    done = CliRunner().invoke(main, ["import", *ALL, "--out", str(out)])
    assert done.exit_code == 0, done.output
    return out, done.output


def test_every_layout_becomes_rules_and_the_rest_is_named(imported):
    out, said = imported
    document = yaml.safe_load(out.read_text())
    names = [rule["name"] for rule in document["rules"]]
    assert names == [
        "responses-stream-from-aiohttp-stream",
        "completions-say-legacy",
        "responses-tell-me-about-cassettes",
        "embeddings-embed",
        "what-is-the-weather-in-paris",
        "say-hello-stream",
        "too-fast",
    ]
    assert document["models"] == [
        "gpt-4o-mini", "gpt-3.5-turbo-instruct", "text-embedding-3-small"
    ]  # fmt: skip
    assert "skipped" in said and "GET https://example.com/health is not an OpenAI API call" in said
    assert "9 exchanges" not in said and "8 exchanges" in said
    text = out.read_text()
    for secret in ("sk-cassette-secret", "SECRETCOOKIE", "org-SECRET"):
        assert secret not in text
    too_fast = document["rules"][-1]["reply"]["error"]
    assert too_fast == {
        "status": 429,
        "message": "Rate limit reached for gpt-4o-mini.",
        "type": "requests",
        "code": "rate_limit_exceeded",
        "headers": {"retry-after": "2", "x-ratelimit-remaining-requests": "0"},
    }


def test_the_imported_file_replays_through_the_sdk(imported):
    out, _ = imported
    with FakeOpenAI(out) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
        chat = client.chat.completions
        call = chat.create(
            model="gpt-4o-mini", messages=ask("What is the weather in Paris?"), tools=TOOLS
        )
        assert call.model == "gpt-4o-mini-2024-07-18"
        tool = call.choices[0].message.tool_calls[0]  # type: ignore[index]
        assert (tool.id, tool.function.name) == ("call_1", "get_weather")  # type: ignore[union-attr]
        assert json.loads(tool.function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]
        pieces = [
            c.choices[0].delta.content
            for c in chat.create(model="gpt-4o-mini", messages=ask("Say hello"), stream=True)
            if c.choices and c.choices[0].delta.content
        ]
        assert pieces == ["Hello", " from", " a cassette"]
        with pytest.raises(openai.RateLimitError) as caught:
            chat.create(model="gpt-4o-mini", messages=ask("Too fast"))
        assert caught.value.response.headers["retry-after"] == "2"
        text = client.responses.create(model="gpt-4o-mini", input="Tell me about cassettes")
        assert text.output_text == "Responses from a cassette."
        deltas = [
            e.delta  # type: ignore[union-attr]
            for e in client.responses.create(
                model="gpt-4o-mini", input="Stream from aiohttp", stream=True
            )
            if e.type == "response.output_text.delta"
        ]
        assert deltas == ["Streamed", " events"]
        legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say legacy")
        assert legacy.choices[0].text == " and a legacy answer"
        vector = client.embeddings.create(model="text-embedding-3-small", input="embed")
        assert vector.data[0].embedding == [0.5, -0.25, 0.125]


def test_python_tags_are_read_as_plain_data_never_objects():
    data = load(
        "a: !!python/unicode 'text'\n"
        "b: !!python/tuple [1, 2]\n"
        "c: !!python/object/apply:os.system ['echo never run']\n"
        "d: !!python/object/new:yarl.URL {state: !!python/tuple ['https://x/v1', null]}\n"
    )
    assert data == {"a": "text", "b": [1, 2], "c": "echo never run", "d": ["https://x/v1", None]}


def test_a_file_that_is_not_a_cassette_is_refused(tmp_path):
    bad = tmp_path / "scenario.yaml"
    bad.write_text("name: x\nrules: []\n")
    done = CliRunner().invoke(main, ["import", str(bad), "--out", str(tmp_path / "o.yaml")])
    assert done.exit_code == 1
    assert "not a VCR cassette" in done.output
