"""Tool calls made concrete: scripted arguments, ``arguments: auto`` and ``tool_calls: auto``.

``tool_calls: auto`` calls one of the request's tools as ``tool_choice`` allows: ``none``
(or no tools offered) makes no call, so the reply is text; a function name forces that
function; ``auto``, ``required`` and absent pick one of the offered tools (seeded), and
``allowed_tools`` picks among its list. ``arguments: auto`` generates arguments valid
against the named tool's ``parameters`` (``{}`` when the request does not offer it).
Mapping arguments are sent as compact JSON (as the API does) with their template strings
rendered; string arguments are sent as they are, rendered when they are templates.
A call's id is fresh on every response, as the API's are (WIRE.md §9 row 14), unless
the scenario pins it with ``id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fakeopenai.filled import FilledToolCall
from fakeopenai.generate.schema import value_for
from fakeopenai.generate.seeding import Seeder
from fakeopenai.generate.templates import is_template, render, render_value
from fakeopenai.scenario import Reply, ToolCall
from fakeopenai.view import RequestView, ToolSpec
from fakeopenai.wire import ids

AUTO = "auto"
_NOT_A_NAME = frozenset({"auto", "required", "none", "allowed_tools", "function", "custom"})


def to_json(value: Any) -> str:
    """Compact JSON, as the API writes tool arguments and structured outputs."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _allowed_names(view: RequestView) -> set[str] | None:
    """Names listed by ``tool_choice: {type: allowed_tools}``, if that is the choice."""
    choice = view.body.get("tool_choice")
    if not isinstance(choice, Mapping) or choice.get("type") != "allowed_tools":
        return None
    spec = choice.get("allowed_tools")
    listed = (spec if isinstance(spec, Mapping) else choice).get("tools")
    names: set[str] = set()
    for tool in listed if isinstance(listed, list) else ():
        if isinstance(tool, Mapping):
            inner = tool.get("function")
            name = (inner if isinstance(inner, Mapping) else tool).get("name")
            if isinstance(name, str):
                names.add(name)
    return names


def _required_allowed_tools(view: RequestView) -> bool:
    """``tool_choice: {type: allowed_tools, mode: required}`` (chat nests it one deeper)."""
    choice = view.body.get("tool_choice")
    if not isinstance(choice, Mapping) or choice.get("type") != "allowed_tools":
        return False
    spec = choice.get("allowed_tools")
    return (spec if isinstance(spec, Mapping) else choice).get("mode") == "required"


def forces_call(reply: Reply, view: RequestView) -> bool:
    """Whether a reply that scripts no answer must be a tool call: the request's
    ``tool_choice`` is ``required``, names a function, or requires one of its
    ``allowed_tools`` (the real API guarantees a call then)."""
    if view.endpoint not in ("chat", "responses"):
        return False
    if reply.content is not None or reply.refusal is not None or reply.chunks is not None:
        return False
    choice = view.tool_choice
    if choice == "required":
        return bool(view.tools)
    if choice is not None and choice not in _NOT_A_NAME:
        return True
    return choice == "allowed_tools" and _required_allowed_tools(view) and bool(view.tools)


def choose_tool(view: RequestView, seeder: Seeder) -> ToolSpec | None:
    """The tool ``tool_calls: auto`` calls, or ``None`` for a text answer."""
    choice = view.tool_choice
    if choice == "none":
        return None
    if choice is not None and choice not in _NOT_A_NAME:
        offered = next((tool for tool in view.tools if tool.name == choice), None)
        return offered or ToolSpec(name=choice, parameters={})
    candidates = list(view.tools)
    allowed = _allowed_names(view)
    if allowed is not None:
        candidates = [tool for tool in candidates if tool.name in allowed] or candidates
    if not candidates:
        return None
    return seeder.rng("tool_calls/choice").choice(candidates)


def auto_arguments(parameters: Mapping[str, Any], fake: Any) -> dict[str, Any]:
    """Arguments valid against a tool's ``parameters`` (an object; ``{}`` without one)."""
    if not parameters:
        return {}
    value = value_for(parameters, fake)
    return value if isinstance(value, dict) else {}


def _arguments(
    call: ToolCall, view: RequestView, fake: Any, context: Mapping[str, Any] | None
) -> str:
    arguments = call.arguments
    if arguments == AUTO:
        tool = next((t for t in view.tools if t.name == call.function), None)
        return to_json(auto_arguments(tool.parameters if tool else {}, fake))
    if isinstance(arguments, str):
        return render(arguments, context) if context and is_template(arguments) else arguments
    return to_json(render_value(arguments, context) if context else arguments)


def _needs_context(call: ToolCall) -> bool:
    found = False

    def visit(value: Any) -> None:
        nonlocal found
        if isinstance(value, str):
            found = found or (value != AUTO and is_template(value))
        elif isinstance(value, Mapping):
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(call.arguments)
    return found


def fill_tool_calls(
    calls: list[ToolCall] | str | None,
    view: RequestView,
    seeder: Seeder,
    fake: Any,
    context: Callable[[], Mapping[str, Any]],
) -> tuple[FilledToolCall, ...]:
    """The concrete tool calls of a reply (empty when there are none to make).

    ``fake`` is the process Faker (the caller holds its lock); each call reseeds it with
    its own seed, so one call's arguments do not depend on the others. ``context()``
    gives the template context (built only when a template needs it).
    """
    if calls is None:
        return ()
    if isinstance(calls, str):  # "auto"
        tool = choose_tool(view, seeder)
        scripted = [ToolCall(function=tool.name, arguments=AUTO)] if tool else []
    else:
        scripted = calls
    filled: list[FilledToolCall] = []
    for index, call in enumerate(scripted):
        fake.seed_instance(seeder.seed(f"tool_calls/{index}/arguments"))
        arguments = _arguments(call, view, fake, context() if _needs_context(call) else None)
        filled.append(FilledToolCall(call.id or ids.call_id(), call.function, arguments))
    return tuple(filled)
