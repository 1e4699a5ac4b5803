"""Rule matching: every condition, matched and missed, with the exact explanation."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeopenai import matching
from fakeopenai.budgets.regex import compile_regex
from fakeopenai.explaining import describe, explain
from fakeopenai.matching import matches
from fakeopenai.scenario import Match
from fakeopenai.view import RequestView, chat_view, completions_view, responses_view

WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object"}},
}


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {}}}


def chat(
    *messages: tuple[str, Any], headers: dict[str, str] | None = None, **body: Any
) -> RequestView:
    """A chat view from ``(role, content)`` pairs; ``model`` defaults to gpt-4o."""
    body.setdefault("model", "gpt-4o")
    body["messages"] = [{"role": role, "content": content} for role, content in messages]
    return chat_view(body, headers or {})


def responses(headers: dict[str, str] | None = None, **body: Any) -> RequestView:
    body.setdefault("model", "gpt-4o")
    return responses_view(body, headers or {})


JOKE = chat(("system", "Be terse."), ("user", "Tell me a joke"))
LONG = "word " * 40

# (id, match mapping as written in YAML, request view, expected explanation; [] = match)
CASES: list[tuple[str, dict[str, Any], RequestView, list[str]]] = [
    ("empty match", {}, JOKE, []),
    ("endpoint hit", {"endpoint": "chat"}, JOKE, []),
    (
        "endpoint miss",
        {"endpoint": "responses"},
        JOKE,
        ["endpoint: expected 'responses', got 'chat'"],
    ),
    ("model exact", {"model": "gpt-4o"}, JOKE, []),
    ("model glob", {"model": "gpt-4o*"}, chat(("user", "hi"), model="gpt-4o-mini"), []),
    ("model glob class", {"model": "gpt-[34]o"}, JOKE, []),
    (
        "model glob miss",
        {"model": "gpt-4o*"},
        chat(("user", "hi"), model="o3-mini"),
        ["model: expected 'gpt-4o*', got 'o3-mini'"],
    ),
    (
        "model case-sensitive",
        {"model": "GPT-4o"},
        JOKE,
        ["model: expected 'GPT-4o', got 'gpt-4o'"],
    ),
    (
        "model absent",
        {"model": "gpt-4o"},
        chat_view({"messages": []}, {}),
        ["model: expected 'gpt-4o', got no model"],
    ),
    ("stream hit", {"stream": True}, chat(("user", "hi"), stream=True), []),
    ("stream false hit", {"stream": False}, JOKE, []),
    ("stream miss", {"stream": True}, JOKE, ["stream: expected true, got false"]),
    ("last_user shorthand", {"last_user": "joke"}, JOKE, []),
    (
        "last_user contains miss",
        {"last_user": {"contains": "weather"}},
        JOKE,
        ["last_user: expected to contain 'weather', got 'Tell me a joke'"],
    ),
    ("last_user equals", {"last_user": {"equals": "Tell me a joke"}}, JOKE, []),
    (
        "last_user equals miss",
        {"last_user": {"equals": "Tell me"}},
        JOKE,
        ["last_user: expected to equal 'Tell me', got 'Tell me a joke'"],
    ),
    ("last_user regex", {"last_user": {"regex": r"^Tell\b.*joke$"}}, JOKE, []),
    (
        "last_user regex miss",
        {"last_user": {"regex": "^joke"}},
        JOKE,
        ["last_user: expected to match regex '^joke', got 'Tell me a joke'"],
    ),
    (
        "last_user is the last user message, not the last message",
        {"last_user": "second"},
        chat(("user", "first"), ("user", "second"), ("assistant", "reply")),
        [],
    ),
    (
        "last_user is case-sensitive",
        {"last_user": "JOKE"},
        JOKE,
        ["last_user: expected to contain 'JOKE', got 'Tell me a joke'"],
    ),
    (
        "last_user list-of-parts content",
        {"last_user": {"equals": "What is in this image?"}},
        chat(
            (
                "user",
                [
                    {"type": "text", "text": "What is in "},
                    {"type": "image_url", "image_url": {"url": "data:,"}},
                    {"type": "text", "text": "this image?"},
                ],
            )
        ),
        [],
    ),
    (
        "last_user absent",
        {"last_user": "weather"},
        chat(("system", "Be terse.")),
        ["last_user: expected to contain 'weather', got no user message"],
    ),
    (
        "last_user empty condition needs a user message",
        {"last_user": {}},
        chat(("system", "Be terse.")),
        ["last_user: expected a user message, got none"],
    ),
    (
        "last_user long text is shortened",
        {"last_user": "weather"},
        chat(("user", LONG)),
        [f"last_user: expected to contain 'weather', got {LONG[:79] + '…'!r}"],
    ),
    (
        "last_user on responses string input",
        {"last_user": "weather"},
        responses(input="What is the weather?"),
        [],
    ),
    (
        "last_user on responses input parts",
        {"last_user": {"equals": "Hello there"}},
        responses(
            input=[
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Hello "},
                        {"type": "input_text", "text": "there"},
                    ],
                }
            ]
        ),
        [],
    ),
    (
        "last_user on completions prompt",
        {"last_user": "Once"},
        completions_view({"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time"}, {}),
        [],
    ),
    (
        "last_message role only",
        {"last_message": {"role": "tool"}},
        chat(
            ("user", "weather?"),
            ("assistant", None),
            ("tool", "21 degrees"),
        ),
        [],
    ),
    (
        "last_message role on responses function_call_output",
        {"last_message": {"role": "tool", "contains": "21"}},
        responses(
            input=[
                {"role": "user", "content": "weather?"},
                {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c1", "output": "21 degrees"},
            ]
        ),
        [],
    ),
    (
        "last_message role miss",
        {"last_message": {"role": "tool"}},
        JOKE,
        ["last_message: expected role 'tool', got 'user'"],
    ),
    (
        "last_message role and text miss",
        {"last_message": {"role": "tool", "contains": "degrees"}},
        JOKE,
        [
            "last_message: expected role 'tool', got 'user'",
            "last_message: expected to contain 'degrees', got 'Tell me a joke'",
        ],
    ),
    (
        "last_message text only",
        {"last_message": "sunny"},
        chat(("user", "weather?"), ("assistant", "It is sunny")),
        [],
    ),
    (
        "last_message with no messages",
        {"last_message": {"role": "user"}},
        chat(),
        ["last_message: expected role 'user', got no message"],
    ),
    (
        "last_message text with no messages",
        {"last_message": "hi"},
        chat(),
        ["last_message: expected to contain 'hi', got no message"],
    ),
    (
        "system joins system and developer messages",
        {"system": {"equals": "Be terse.\nAnswer in French."}},
        chat(("system", "Be terse."), ("developer", "Answer in French."), ("user", "hi")),
        [],
    ),
    (
        "system from responses instructions",
        {"system": "pirate"},
        responses(instructions="Talk like a pirate.", input="hi"),
        [],
    ),
    (
        "system miss",
        {"system": "pirate"},
        JOKE,
        ["system: expected to contain 'pirate', got 'Be terse.'"],
    ),
    (
        "system absent",
        {"system": "pirate"},
        chat(("user", "hi")),
        ["system: expected to contain 'pirate', got no system message"],
    ),
    ("any_message hit", {"any_message": "terse"}, JOKE, []),
    (
        "any_message regex",
        {"any_message": {"regex": r"\d{2} degrees"}},
        chat(("tool", [{"type": "text", "text": "21 degrees"}]), ("user", "ok")),
        [],
    ),
    (
        "any_message miss",
        {"any_message": "refund"},
        JOKE,
        ["any_message: expected a message to contain 'refund', got none of 2 messages"],
    ),
    (
        "any_message with no messages",
        {"any_message": {"equals": "x"}},
        chat(),
        ["any_message: expected a message to equal 'x', got no messages"],
    ),
    (
        "any_message empty condition",
        {"any_message": {}},
        chat(),
        ["any_message: expected a message, got none"],
    ),
    ("tools hit", {"tools": ["get_weather"]}, chat(("user", "hi"), tools=[WEATHER_TOOL]), []),
    ("tools shorthand", {"tools": "get_weather"}, chat(("user", "hi"), tools=[WEATHER_TOOL]), []),
    (
        "tools on responses flat shape",
        {"tools": ["search", "calc"]},
        responses(
            input="hi",
            tools=[
                {"type": "function", "name": "calc", "parameters": {}},
                {"type": "function", "name": "search", "parameters": {}},
            ],
        ),
        [],
    ),
    (
        "tools miss",
        {"tools": ["get_weather", "search"]},
        chat(("user", "hi"), tools=[_tool("search"), _tool("calc")]),
        ["tools: request offers no tool 'get_weather' (offered: search, calc)"],
    ),
    (
        "tools miss several",
        {"tools": ["get_weather", "book"]},
        chat(("user", "hi"), tools=[_tool("search")]),
        ["tools: request offers no tools 'get_weather', 'book' (offered: search)"],
    ),
    (
        "tools none offered",
        {"tools": ["get_weather"]},
        JOKE,
        ["tools: request offers no tool 'get_weather' (offered: none)"],
    ),
    ("tool_choice string", {"tool_choice": "required"}, chat(tool_choice="required"), []),
    (
        "tool_choice forced function",
        {"tool_choice": "get_weather"},
        chat(tool_choice={"type": "function", "function": {"name": "get_weather"}}),
        [],
    ),
    (
        "tool_choice forced function on responses",
        {"tool_choice": "get_weather"},
        responses(input="hi", tool_choice={"type": "function", "name": "get_weather"}),
        [],
    ),
    (
        "tool_choice miss",
        {"tool_choice": "none"},
        chat(tool_choice="auto"),
        ["tool_choice: expected 'none', got 'auto'"],
    ),
    (
        "tool_choice absent",
        {"tool_choice": "auto"},
        JOKE,
        ["tool_choice: expected 'auto', got no tool_choice"],
    ),
    ("response_format absent counts as text", {"response_format": "text"}, JOKE, []),
    (
        "response_format json_schema",
        {"response_format": "json_schema"},
        chat(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "object"}},
            }
        ),
        [],
    ),
    (
        "response_format on responses text.format",
        {"response_format": "json_object"},
        responses(input="hi", text={"format": {"type": "json_object"}}),
        [],
    ),
    (
        "response_format miss",
        {"response_format": "json_object"},
        JOKE,
        ["response_format: expected 'json_object', got 'text'"],
    ),
    ("header hit", {"header": {"x-tenant": "acme"}}, chat(headers={"x-tenant": "acme"}), []),
    (
        "header name is case-insensitive",
        {"header": {"X-Tenant": "acme"}},
        chat(headers={"x-tenant": "acme"}),
        [],
    ),
    (
        "header value glob",
        {"header": {"authorization": "Bearer sk-*"}},
        chat(headers={"authorization": "Bearer sk-test"}),
        [],
    ),
    (
        "header absent",
        {"header": {"x-tenant": "acme"}},
        JOKE,
        ["header x-tenant: expected 'acme', got none"],
    ),
    (
        "header value miss",
        {"header": {"X-Tenant": "acme*"}},
        chat(headers={"x-tenant": "globex"}),
        ["header X-Tenant: expected 'acme*', got 'globex'"],
    ),
    ("json top level", {"json": {"temperature": 0.5}}, chat(temperature=0.5), []),
    ("json list index", {"json": {"messages.0.role": "system"}}, JOKE, []),
    ("json negative list index", {"json": {"messages.-1.content": "Tell me a joke"}}, JOKE, []),
    (
        "json list index miss",
        {"json": {"messages.0.role": "system"}},
        chat(("user", "hi")),
        ["json messages.0.role: expected 'system', got 'user'"],
    ),
    (
        "json index out of range",
        {"json": {"messages.5.role": "system"}},
        JOKE,
        ["json messages.5.role: expected 'system', got missing"],
    ),
    (
        "json key missing",
        {"json": {"metadata.user": "bob"}},
        JOKE,
        ["json metadata.user: expected 'bob', got missing"],
    ),
    (
        "json path through a string",
        {"json": {"model.0": "g"}},
        JOKE,
        ["json model.0: expected 'g', got missing"],
    ),
    ("json int equals float", {"json": {"n": 1}}, chat(n=1.0), []),
    (
        "json True is not 1",
        {"json": {"n": True}},
        chat(n=1),
        ["json n: expected True, got 1"],
    ),
    (
        "json 1 is not True",
        {"json": {"metadata.flag": 1}},
        chat(metadata={"flag": True}),
        ["json metadata.flag: expected 1, got True"],
    ),
    (
        "json nested True is not 1",
        {"json": {"metadata": {"flag": True}}},
        chat(metadata={"flag": 1}),
        ["json metadata: expected {'flag': True}, got {'flag': 1}"],
    ),
    (
        "json nested value",
        {"json": {"metadata": {"flag": True}}},
        chat(metadata={"flag": True}),
        [],
    ),
    ("json null", {"json": {"user": None}}, chat(user=None), []),
    (
        "json null is not missing",
        {"json": {"user": None}},
        JOKE,
        ["json user: expected None, got missing"],
    ),
    (
        "scenario hit",
        {"scenario": "weather"},
        chat(headers={"x-fakeopenai-scenario": "weather"}),
        [],
    ),
    (
        "scenario absent",
        {"scenario": "weather"},
        JOKE,
        ["scenario: expected 'weather', got no X-Fakeopenai-Scenario header"],
    ),
    (
        "every failed condition gets its line, in order",
        {"endpoint": "responses", "model": "o3*", "last_user": "weather", "tools": "w"},
        JOKE,
        [
            "endpoint: expected 'responses', got 'chat'",
            "model: expected 'o3*', got 'gpt-4o'",
            "tools: request offers no tool 'w' (offered: none)",
            "last_user: expected to contain 'weather', got 'Tell me a joke'",
        ],
    ),
]


@pytest.mark.parametrize(
    ("spec", "view", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_condition(spec: dict[str, Any], view: RequestView, expected: list[str]) -> None:
    assert_condition(spec, view, expected)


def assert_condition(spec: dict[str, Any], view: RequestView, expected: list[str]) -> None:
    """``spec`` explains exactly the ``expected`` failures for ``view`` (none: a match)."""
    match = Match.model_validate(spec)
    assert explain(match, view) == expected
    assert matches(match, view) is (expected == [])


def test_regex_is_compiled_once() -> None:
    compile_regex.cache_clear()
    match = Match.model_validate({"last_user": {"regex": r"jo+ke"}})
    for _ in range(5):
        assert matches(match, JOKE)
    info = compile_regex.cache_info()
    assert (info.misses, info.hits) == (1, 4)
    assert compile_regex(r"jo+ke") is compile_regex(r"jo+ke")


@settings(max_examples=200, deadline=None)
@given(pattern=st.text("ab*?[]!-", max_size=6), value=st.text("ab*?[]!-", max_size=6))
def test_globs_are_fnmatchcase(pattern: str, value: str) -> None:
    # Globs are compiled and cached, with plain names compared directly; same answers.
    assert matching._glob_ok(pattern, value) is fnmatchcase(value, pattern)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (
            chat(
                ("user", "What is the weather in Paris?"),
                model="gpt-4o",
                stream=True,
                tools=[WEATHER_TOOL],
            ),
            "chat request (model 'gpt-4o', stream, "
            "last user message 'What is the weather in Paris?', tools: get_weather)",
        ),
        (
            responses(
                input=[
                    {"role": "user", "content": "weather?"},
                    {"type": "function_call_output", "call_id": "c", "output": "21"},
                ],
                headers={"x-fakeopenai-scenario": "weather"},
                text={"format": {"type": "json_object"}},
                tool_choice="auto",
            ),
            "responses request (model 'gpt-4o', scenario 'weather', last user message "
            "'weather?', last message from 'tool' '21', "
            "response_format 'json_object')",
        ),
        (chat_view({"messages": []}, {}), "chat request (no model)"),
        (
            chat(("user", LONG)),
            f"chat request (model 'gpt-4o', last user message {LONG[:79] + '…'!r})",
        ),
    ],
    ids=["chat", "responses", "bare", "long"],
)
def test_describe(view: RequestView, expected: str) -> None:
    assert describe(view) == expected


# -- explain and matches agree ---------------------------------------------------------

WORDS = ["weather", "Paris", "joke", "", "Tell me a joke", "21 degrees"]
TOOLS = ["get_weather", "search", "calc"]
texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool"])
contents = texts | st.lists(texts.map(lambda t: {"type": "text", "text": t}), max_size=2)
# Mostly numbers and booleans, where Python's == (True == 1) and JSON equality part ways.
numbers = st.sampled_from([1, 1.0, True, False, 0])
scalars = st.sampled_from([1, 1.0, True, False, 0, True, 1, None, "user", "system"])

bodies = st.fixed_dictionaries(
    {
        "n": numbers,
        "messages": st.lists(
            st.fixed_dictionaries({"role": roles, "content": contents}), max_size=4
        ),
    },
    optional={
        "model": st.sampled_from(["gpt-4o", "gpt-4o-mini", "o3-mini"]),
        "stream": st.booleans(),
        "tools": st.lists(st.sampled_from(TOOLS), unique=True).map(
            lambda names: [_tool(n) for n in names]
        ),
        "tool_choice": st.sampled_from(["auto", "none", "required", *TOOLS]),
        "response_format": st.sampled_from(["text", "json_object"]).map(lambda t: {"type": t}),
        "metadata": st.fixed_dictionaries({"flag": scalars}),
    },
)
headers = st.dictionaries(
    st.sampled_from(["x-tenant", "x-fakeopenai-scenario"]), st.sampled_from(["acme", "weather"])
)


@st.composite
def views(draw: st.DrawFn) -> RequestView:
    body, head = draw(bodies), draw(headers)
    if draw(st.booleans()):
        return chat_view(body, head)
    messages: Any = body.pop("messages")
    items = [{"role": m["role"], "content": m["content"]} for m in messages]
    if draw(st.booleans()):
        items.append({"type": "function_call_output", "call_id": "c", "output": draw(texts)})
    body["input"] = items
    return responses_view(body, head)


text_conditions = (
    st.sampled_from(WORDS)
    | st.fixed_dictionaries({}, optional={"contains": st.sampled_from(WORDS)})
    | st.fixed_dictionaries({"equals": st.sampled_from(WORDS)})
    | st.fixed_dictionaries({"regex": st.sampled_from([r"^Tell", r"joke$", r"\d+", r"a.*r"])})
)


@st.composite
def message_conditions(draw: st.DrawFn) -> str | dict[str, Any]:
    cond = draw(text_conditions)
    role = draw(st.none() | roles)
    if role is None:
        return cond
    return ({"contains": cond} if isinstance(cond, str) else dict(cond)) | {"role": role}


CONDITIONS: dict[str, st.SearchStrategy[Any]] = {
    "endpoint": st.sampled_from(["chat", "responses", "embeddings"]),
    "model": st.sampled_from(["gpt-4o", "gpt-4o*", "o3-*", "*mini"]),
    "stream": st.booleans(),
    "last_user": text_conditions,
    "last_message": message_conditions(),
    "system": text_conditions,
    "any_message": text_conditions,
    "tools": st.lists(st.sampled_from(TOOLS), max_size=2),
    "tool_choice": st.sampled_from(["auto", "none", "required", "search"]),
    "response_format": st.sampled_from(["text", "json_object", "json_schema"]),
    "header": st.dictionaries(
        st.sampled_from(["x-tenant", "X-Tenant"]), st.sampled_from(["acme", "a*", "weather"])
    ),
    "json": st.dictionaries(
        st.sampled_from(["n", "metadata.flag", "messages.0.role", "input.-1.role"]),
        scalars,
        min_size=1,
        max_size=2,
    ),
    "scenario": st.sampled_from(["weather", "other"]),
}
# A few conditions per rule, so that some rules match; with all thirteen, nearly none do.
match_specs = st.lists(st.sampled_from(sorted(CONDITIONS)), max_size=3, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({key: CONDITIONS[key] for key in keys})
)


@pytest.mark.parametrize("key", sorted(CONDITIONS))
@settings(max_examples=40, deadline=None)
@given(data=st.data(), view=views())
def test_each_condition_explain_agrees_with_matches(
    key: str, data: st.DataObject, view: RequestView
) -> None:
    match = Match.model_validate({key: data.draw(CONDITIONS[key], label=key)})
    lines = explain(match, view)
    assert matches(match, view) is (lines == [])
    # Every line names the condition it is about, as written in the scenario file.
    assert all(line.split(":")[0].split()[0] == key for line in lines)


@settings(max_examples=100, deadline=None)
@given(spec=match_specs, view=views())
def test_explain_agrees_with_matches(spec: dict[str, Any], view: RequestView) -> None:
    match = Match.model_validate(spec)
    lines = explain(match, view)
    assert matches(match, view) is (lines == [])
    # A rule is the conjunction of its conditions, and its explanation their lines.
    singles = [Match.model_validate({key: value}) for key, value in spec.items()]
    assert matches(match, view) is all(matches(single, view) for single in singles)
    assert sorted(lines) == sorted(line for single in singles for line in explain(single, view))


def test_property_test_reaches_both_outcomes() -> None:
    # The agreement test means little if random rules never match; sample to check.
    outcomes = set()

    @settings(max_examples=30, deadline=None, database=None)
    @given(spec=match_specs, view=views())
    def sample(spec: dict[str, Any], view: RequestView) -> None:
        outcomes.add(matches(Match.model_validate(spec), view))

    sample()
    assert outcomes == {True, False}
