"""LangChain's tool loop and LangGraph's prebuilt ReAct agent run scenarios/agent-loop.yaml
(three tools, four turns, an answer) against fakeopenai: chat completions, and
LangChain's Responses API mode with ``previous_response_id`` kept server-side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from requires import import_client

from fakeopenai import FakeOpenAI

SCENARIO = str(Path(__file__).resolve().parents[2] / "scenarios" / "agent-loop.yaml")
RULES = ["search-flights", "check-weather", "book-hotel", "final-answer"]
ANSWER = (
    "Your trip to Lisbon is planned. search_flights: TP 1351, 09:40. "
    "get_weather: 24 degrees, sunny. book_hotel: booked 3 nights in Lisbon. "
)


@pytest.fixture(scope="module")
def lc() -> Any:
    return import_client("langchain_openai", "langchain-openai")


def tools() -> list[Any]:
    from langchain_core.tools import tool

    @tool
    def search_flights(destination: str) -> str:
        """Find flights to a destination."""
        return "TP 1351, 09:40"

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "24 degrees, sunny"

    @tool
    def book_hotel(city: str, nights: int) -> str:
        """Book a hotel."""
        return f"booked {nights} nights in {city}"

    return [search_flights, get_weather, book_hotel]


def model(lc: Any, fake: FakeOpenAI, **options: Any) -> Any:
    return lc.ChatOpenAI(
        model="gpt-4o", base_url=fake.base_url, api_key=fake.api_key, max_retries=0, **options
    )


def faithful(fake: FakeOpenAI) -> None:
    assert [w for e in fake.requests for w in e.warnings] == []
    assert [e.rule for e in fake.requests] == RULES


@pytest.mark.parametrize("responses_api", [False, True], ids=["chat", "responses"])
def test_langchain_tool_loop(lc: Any, fake: FakeOpenAI, responses_api: bool) -> None:
    from langchain_core.messages import HumanMessage, ToolMessage

    options = {"use_responses_api": True, "use_previous_response_id": True} if responses_api else {}
    offered = tools()
    by_name = {t.name: t for t in offered}
    bound = model(lc, fake, **options).bind_tools(offered)
    messages: list[Any] = [HumanMessage("Plan a trip to Lisbon.")]
    for _ in range(6):
        answer = bound.invoke(messages)
        messages.append(answer)
        if not answer.tool_calls:
            break
        for call in answer.tool_calls:
            output = by_name[call["name"]].invoke(call["args"])
            messages.append(ToolMessage(output, tool_call_id=call["id"]))
    assert answer.text == ANSWER
    faithful(fake)
    if responses_api:  # after the first turn, only the new tool output is sent
        later = [e.body for e in fake.requests][1:]
        assert all(body.get("previous_response_id") for body in later)


# langgraph 1.x points to langchain.agents.create_agent, in a package this suite lacks
@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_langgraph_react_agent(lc: Any, fake: FakeOpenAI) -> None:
    prebuilt = import_client("langgraph.prebuilt", "langgraph")
    agent = prebuilt.create_react_agent(model(lc, fake), tools())
    state = agent.invoke({"messages": [("user", "Plan a trip to Lisbon.")]})
    assert state["messages"][-1].content == ANSWER
    faithful(fake)
