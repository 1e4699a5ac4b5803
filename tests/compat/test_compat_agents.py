"""The OpenAI Agents SDK (openai-agents) against fakeopenai, tracing disabled.

An agent with one function tool runs to its final answer, streamed and not, on the
SDK's default Responses model and on its Chat Completions model. The SDK would export
traces to api.openai.com whatever the base URL: the suite switches tracing off
(``set_tracing_disabled`` and ``OPENAI_AGENTS_DISABLE_TRACING=1``), and the network
guard proves nothing left the machine.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from requires import import_client

from fakeopenai import FakeOpenAI

SCENARIO = "agents.yaml"
ANSWER = "It is 21 degrees and sunny in Paris."
ENDPOINT = {"responses": "responses", "chat": "chat"}


@pytest.fixture(scope="module")
def agents(offline: Any) -> Any:
    module = import_client("agents", "openai-agents")
    module.set_tracing_disabled(True)
    return module


@pytest.fixture(params=["responses", "chat"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def weather_agent(agents: Any, fake: FakeOpenAI, api: str) -> tuple[Any, list[str]]:
    """An agent whose one tool records its calls (so the test sees it really ran)."""
    from openai import AsyncOpenAI

    calls: list[str] = []

    def get_weather(city: str) -> str:
        """Current weather in a city."""
        calls.append(city)
        return json.dumps({"city": city, "celsius": 21, "sky": "sunny"})

    client = AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    model_class = (
        agents.OpenAIResponsesModel if api == "responses" else agents.OpenAIChatCompletionsModel
    )
    agent = agents.Agent(
        name="Weather",
        instructions="Answer weather questions with the get_weather tool.",
        tools=[agents.function_tool(get_weather)],
        model=model_class(model="gpt-4o-mini", openai_client=client),
        # The chat model sends stream_options only to api.openai.com: ask for usage.
        model_settings=agents.ModelSettings(include_usage=True if api == "chat" else None),
    )
    return agent, calls


def check_journal(fake: FakeOpenAI, api: str) -> None:
    """Two model calls: the tool call, then the answer that saw the tool's output."""
    asked, answered = fake.requests
    assert [asked.endpoint, answered.endpoint] == [api, api]
    assert (asked.rule, answered.rule) == ("call-weather", "answer-after-tool")
    assert str(asked.header("user-agent")).startswith("Agents/Python")
    assert answered.messages, answered.body
    if api == "responses":
        assert asked.body["instructions"].startswith("Answer weather questions")
        assert asked.body["tools"][0]["name"] == "get_weather"  # flat Responses tools
        output = [i for i in answered.body["input"] if i.get("type") == "function_call_output"]
        call = [i for i in answered.body["input"] if i.get("type") == "function_call"]
        assert output[0]["call_id"] == call[0]["call_id"]
        assert json.loads(output[0]["output"])["celsius"] == 21
    else:
        assert asked.body["messages"][0]["role"] == "system"
        assert asked.body["tools"][0]["function"]["name"] == "get_weather"
        tool_message = answered.body["messages"][-1]
        assert tool_message["role"] == "tool"
        assert json.loads(tool_message["content"])["celsius"] == 21
    assert not any("traces" in e.path for e in fake.requests)


def test_agent_runs_to_final_answer(agents: Any, fake: FakeOpenAI, api: str) -> None:
    agent, calls = weather_agent(agents, fake, api)
    result = agents.Runner.run_sync(agent, "What's the weather in Paris?")
    assert result.final_output == ANSWER
    assert calls == ["Paris"]
    kinds = [item.type for item in result.new_items]
    assert kinds == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert result.context_wrapper.usage.requests == 2
    assert result.context_wrapper.usage.total_tokens > 0
    check_journal(fake, api)


async def test_agent_streamed_to_final_answer(agents: Any, fake: FakeOpenAI, api: str) -> None:
    from openai.types.responses import ResponseTextDeltaEvent

    agent, calls = weather_agent(agents, fake, api)
    result = agents.Runner.run_streamed(agent, input="What's the weather in Paris?")
    events: Counter[str] = Counter()
    deltas: list[str] = []
    async for event in result.stream_events():
        events[event.type] += 1
        if event.type == "run_item_stream_event":
            events[event.name] += 1
        elif event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            deltas.append(event.data.delta)
    assert result.final_output == ANSWER == "".join(deltas)
    assert len(deltas) > 1  # really streamed
    assert calls == ["Paris"]
    assert events["tool_called"] == events["tool_output"] == events["message_output_created"] == 1
    assert result.context_wrapper.usage.total_tokens > 0
    assert all(e.stream for e in fake.requests)
    if api == "chat":
        assert fake.requests[0].body["stream_options"] == {"include_usage": True}
    check_journal(fake, api)
