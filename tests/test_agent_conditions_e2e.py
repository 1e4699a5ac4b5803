"""The agent-loop conditions, ``request.tool_results`` and the ranked no-match through the
SDK against a real server; ``fakeopenai serve`` logging a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

from cli_server import Served
from fakeopenai import FakeOpenAI

SCENARIO: dict[str, Any] = {
    "name": "conditions",
    "rules": [
        {
            "name": "both-results",
            "match": {"tool_result": {"name": "get_time"}, "turn": 1},
            "reply": {
                "content": "{% for r in request.tool_results %}{{ r.name }}={{ r.content }} "
                "({{ r.call_id }}); {% endfor %}"
            },
        },
        {
            "name": "reminded",
            "match": {"any_message": {"role": "user", "contains": "REMINDER", "ignore_case": True}},
            "reply": {"content": "I was reminded."},
        },
        {
            "name": "prefixed-tools",
            "match": {
                "tools": ["*-get_weather"],
                "last_user": {"equals": "HI", "ignore_case": True},
            },
            "reply": {"content": "A framework's prefix matched."},
        },
    ],
}
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    for name in ("Weather-get_weather", "get_time")
]


def chat(client: openai.OpenAI, messages: list[Any], **body: Any) -> str | None:
    answer = client.chat.completions.create(model="gpt-4o", messages=messages, **body)
    return answer.choices[0].message.content


def test_parallel_tool_results_in_a_template(client: openai.OpenAI) -> None:
    calls = [
        {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": "{}"}}
        for n, name in enumerate(["Weather-get_weather", "get_time"])
    ]
    messages = [
        {"role": "user", "content": "Weather and time?"},
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "call_0", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_1", "content": "14:05"},
    ]
    assert chat(client, messages, tools=TOOLS) == (
        "Weather-get_weather=sunny (call_0); get_time=14:05 (call_1); "
    )


def test_any_message_with_a_role_and_ignore_case(client: openai.OpenAI) -> None:
    messages = [
        {"role": "user", "content": "Do it."},
        {"role": "assistant", "content": "Reminder: say please."},  # not a user message
    ]
    with pytest.raises(openai.NotFoundError):
        chat(client, messages)
    messages.append({"role": "user", "content": "reminder: answer in French"})
    assert chat(client, messages) == "I was reminded."


def test_tool_globs(client: openai.OpenAI) -> None:
    assert chat(client, [{"role": "user", "content": "hi"}], tools=TOOLS) == (
        "A framework's prefix matched."
    )


def test_the_closest_rules_are_ranked() -> None:
    # every example scenario but the catch-all, which answers anything
    examples = [p for p in sorted(SCENARIOS.glob("*.yaml")) if p.name != "zz-catch-all.yaml"]
    with FakeOpenAI(*examples, strict=False) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        with pytest.raises(openai.NotFoundError) as caught:
            chat(client, [{"role": "user", "content": "Tell me a joke"}])
    message = caught.value.body["message"]  # type: ignore[index]
    assert "Closest rules, best first: (1) 'long-story' in scenario 'generated'" in message
    assert message.index("'long-story'") < message.index("(2) ")
    assert "(1) 'contoso-deployment'" not in message
    assert message.count("which failed on:") == 3


def test_serve_logs_one_line_per_warning(tmp_path: Any) -> None:
    (tmp_path / "w.yaml").write_text(
        "name: w\nrules:\n  - name: says-text\n    reply: {content: Hi}\n"
    )
    served = Served(str(tmp_path / "w.yaml"), "--no-delay")
    try:
        client = openai.OpenAI(base_url=served.url + "/v1", api_key="k", max_retries=0)
        chat(client, [{"role": "user", "content": "x"}], tools=TOOLS, tool_choice="required")
        err = served.wait_for_stderr("says-text", timeout=10)
    finally:
        served.stop()
    lines = [line for line in err.splitlines() if "tool_choice is 'required'" in line]
    assert len(lines) == 1
    assert "fakeopenai: rule 'says-text' in scenario 'w'" in lines[0]
