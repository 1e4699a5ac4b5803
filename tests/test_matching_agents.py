"""Agent-loop conditions (SPEC §6): tool globs, any_message role, tool_result, turn,
ignore_case; and the ranked closest rules of a no-match. Pure: views, no server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeopenai.explaining import explain
from fakeopenai.matching import matches
from fakeopenai.ranking import closeness, closest
from fakeopenai.scenario import Match, TextCondition
from fakeopenai.view import RequestView, chat_view, responses_view
from test_matching import assert_condition


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {}}}


def _call(call_id: str, name: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": "{}"}}


def chat(*messages: dict[str, Any], **body: Any) -> RequestView:
    return chat_view({"model": "gpt-4o", "messages": list(messages), **body}, {})


USER = {"role": "user", "content": "Weather in Paris and Rome?"}
CALLS = {
    "role": "assistant",
    "content": None,
    "tool_calls": [_call("c1", "get_weather"), _call("c2", "get_time")],
}
LOOP = chat(
    {"role": "system", "content": "You are terse."},
    USER,
    CALLS,
    {"role": "tool", "tool_call_id": "c1", "content": "21 degrees"},
    {"role": "tool", "tool_call_id": "c2", "content": "14:05"},
    {"role": "user", "content": "Remember to answer in French."},  # DSPy-style reminder
    tools=[_tool("weather-get_weather"), _tool("Weather-get_time"), _tool("final_result")],
)
FIRST = chat(USER, tools=[_tool("final_result")])

RESPONSES_LOOP = responses_view(
    {
        "model": "gpt-4o",
        "input": [
            {"role": "user", "content": "Weather?"},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "21 degrees"},
            {"role": "assistant", "content": "It is 21 degrees. Anything else?"},
            {"role": "user", "content": "And tomorrow?"},
            {"type": "function_call", "call_id": "c2", "name": "get_forecast", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c2", "output": "rain"},
        ],
    },
    {},
)

CASES: list[tuple[str, dict[str, Any], RequestView, list[str]]] = [
    ("tools glob", {"tools": ["*-get_weather"]}, LOOP, []),
    ("tools glob class", {"tools": "[wW]eather-get_time"}, LOOP, []),
    (
        "tools glob miss",
        {"tools": ["submit*"]},
        LOOP,
        [
            "tools: request offers no tool 'submit*' (offered: weather-get_weather, "
            "Weather-get_time, final_result)"
        ],
    ),
    ("any_message role", {"any_message": {"role": "tool", "contains": "14:05"}}, LOOP, []),
    (
        "any_message role miss",
        {"any_message": {"role": "user", "contains": "14:05"}},
        LOOP,
        ["any_message: expected a 'user' message to contain '14:05', got none of 6 messages"],
    ),
    (
        "any_message role only",
        {"any_message": {"role": "tool"}},
        FIRST,
        ["any_message: expected a 'tool' message, got none"],
    ),
    ("tool_result by name", {"tool_result": {"name": "get_weather", "contains": "21"}}, LOOP, []),
    ("tool_result any", {"tool_result": "14:05"}, LOOP, []),
    ("tool_result name glob", {"tool_result": {"name": "get_*"}}, LOOP, []),
    (
        "tool_result other function's text",
        {"tool_result": {"name": "get_time", "contains": "21"}},
        LOOP,
        [
            "tool_result: expected a result of a call to 'get_time' to contain '21', got none "
            "of 2 tool results (get_weather: '21 degrees', get_time: '14:05')"
        ],
    ),
    (
        "tool_result none yet",
        {"tool_result": {"name": "get_weather"}},
        FIRST,
        ["tool_result: expected a result of a call to 'get_weather', got no tool results"],
    ),
    (
        "tool_result equals ignoring case",
        {"tool_result": {"equals": "21 DEGREES", "ignore_case": True}},
        LOOP,
        [],
    ),
    (
        "tool_result responses",
        {"tool_result": {"name": "get_forecast", "equals": "rain"}},
        RESPONSES_LOOP,
        [],
    ),
    ("turn 0", {"turn": 0}, FIRST, []),
    ("turn 1", {"turn": 1}, LOOP, []),
    (
        "turn miss",
        {"turn": 2},
        LOOP,
        ["turn: expected 2 assistant turns before this request, got 1"],
    ),
    ("turn range", {"turn": {"min": 1, "max": 3}}, LOOP, []),
    (
        "turn range miss",
        {"turn": {"min": 1}},
        FIRST,
        ["turn: expected at least 1 assistant turns before this request, got 0"],
    ),
    # reasoning + call is one turn, the assistant message another, the second call a third
    ("turn responses", {"turn": 3}, RESPONSES_LOOP, []),
    ("ignore_case contains", {"last_user": {"contains": "PARIS", "ignore_case": True}}, FIRST, []),
    (
        "ignore_case off",
        {"last_user": {"contains": "PARIS"}},
        FIRST,
        ["last_user: expected to contain 'PARIS', got 'Weather in Paris and Rome?'"],
    ),
    ("ignore_case regex", {"system": {"regex": "^you ARE", "ignore_case": True}}, LOOP, []),
    (
        "ignore_case miss says so",
        {"last_message": {"equals": "x", "ignore_case": True}},
        FIRST,
        ["last_message: expected to equal 'x' (ignoring case), got 'Weather in Paris and Rome?'"],
    ),
]


@pytest.mark.parametrize(
    ("spec", "view", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_condition(spec: dict[str, Any], view: RequestView, expected: list[str]) -> None:
    assert_condition(spec, view, expected)


def test_view_collects_tool_results_oldest_first() -> None:
    assert [(r.name, r.call_id, r.content) for r in LOOP.tool_results] == [
        ("get_weather", "c1", "21 degrees"),
        ("get_time", "c2", "14:05"),
    ]
    assert [r.name for r in RESPONSES_LOOP.tool_results] == ["get_weather", "get_forecast"]
    assert (LOOP.turns, FIRST.turns, RESPONSES_LOOP.turns) == (1, 0, 3)
    unanswered = chat({"role": "tool", "tool_call_id": "zz", "content": "x"})
    assert unanswered.tool_results[0].name is None


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"turn": -1}, "turn must be a number of turns"),
        ({"turn": True}, "turn must be a number of turns"),
        ({"turn": {"min": 3, "max": 1}}, "min (3) is greater than max (1)"),
        ({"tool_result": {"name": "x", "contains": "a", "equals": "b"}}, "give one of"),
    ],
)
def test_bad_conditions_are_refused(spec: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        Match.model_validate(spec)


# -- explain and matches agree on the new conditions ------------------------------------

TEXTS = ["21 degrees", "14:05", "rain", "", "Weather"]
text_conds = st.fixed_dictionaries(
    {},
    optional={
        "contains": st.sampled_from(TEXTS),
        "ignore_case": st.booleans(),
    },
)
CONDITIONS: dict[str, st.SearchStrategy[Any]] = {
    "tools": st.lists(st.sampled_from(["*weather*", "final_*", "get_time", "W*"]), max_size=2),
    "any_message": text_conds.flatmap(
        lambda c: st.fixed_dictionaries(
            {}, optional={"role": st.sampled_from(["user", "tool", "assistant"])}
        ).map(lambda r: {**c, **r})
    ),
    "tool_result": text_conds.flatmap(
        lambda c: st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["get_weather", "get_*", "nope"])}
        ).map(lambda r: {**c, **r})
    ),
    "turn": st.integers(0, 4) | st.fixed_dictionaries({}, optional={"min": st.integers(0, 2)}),
}


@settings(max_examples=150, deadline=None)
@given(
    spec=st.lists(st.sampled_from(sorted(CONDITIONS)), min_size=1, max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: CONDITIONS[k] for k in keys})
    ),
    view=st.sampled_from([LOOP, FIRST, RESPONSES_LOOP]),
)
def test_explain_agrees_with_matches(spec: dict[str, Any], view: RequestView) -> None:
    match = Match.model_validate(spec)
    lines = explain(match, view)
    assert matches(match, view) is (lines == [])
    assert {line.split(":")[0] for line in lines} <= set(spec)


# -- ranking --------------------------------------------------------------------------


def test_closeness() -> None:
    near = closeness(TextCondition(contains="tell me a long story"), "Tell me a joke")
    far = closeness(TextCondition(regex="^echo: "), "Tell me a joke")
    assert (near, far) == (0.5, 0.0)  # "tell me a " of 20 characters
    assert closeness(TextCondition(equals="abcd"), "ABCD") == 1.0
    assert closeness(TextCondition(contains="x"), None) == 0.0


def test_text_conditions_outrank_model_and_endpoint() -> None:
    joke = chat({"role": "user", "content": "Tell me a joke"})
    rules = [
        ("contoso", {"endpoint": "chat", "model": "contoso-chat"}),
        ("story", {"last_user": {"contains": "tell me a long story"}}),
        ("echo", {"last_user": {"regex": "^echo: "}}),
        ("weather", {"last_user": "weather", "tools": ["get_weather"]}),
    ]
    ranked = closest(((Match.model_validate(spec), name) for name, spec in rules), joke)
    assert [name for name, _ in ranked] == ["story", "contoso", "echo"]
    assert ranked[0][1] == [
        "last_user: expected to contain 'tell me a long story', got 'Tell me a joke'"
    ]


def test_passed_conditions_count_and_ties_keep_file_order() -> None:
    ranked = closest(
        (
            (Match.model_validate({"model": "o3", "turn": 0}), "a"),
            (Match.model_validate({"model": "o3", "turn": 0, "stream": False}), "b"),
            (Match.model_validate({"model": "o4", "turn": 0}), "c"),
        ),
        FIRST,
        limit=2,
    )
    assert [name for name, _ in ranked] == ["b", "a"]


def test_a_misspelt_condition_gets_a_did_you_mean() -> None:
    from fakeopenai.errors import ScenarioError
    from fakeopenai.loader import load_mapping

    spec = {"rules": [{"match": {"tool_reslt": {"nme": "f"}, "turn": {"mn": 1}}, "reply": {}}]}
    with pytest.raises(ScenarioError) as caught:
        load_mapping(spec, "agent.yaml")
    text = str(caught.value)
    assert "unknown key 'tool_reslt' (did you mean 'tool_result'?)" in text
    assert "rules[0].match.turn: unknown key 'mn' (did you mean 'min'?)" in text
