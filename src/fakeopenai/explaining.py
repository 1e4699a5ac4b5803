"""Why a rule's ``match`` does not hold for a request, in words (``matches``'s twin).

``explain`` is for diagnostics (the no-match error, the pytest failure, the inspector):
it turns each failed condition into one line that names what was expected and what was
received, using ``matching``'s own predicates, so it agrees exactly with ``matches``.
``describe`` summarises a request for the no-match message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakeopenai.matching import (
    MISSING,
    any_message_ok,
    header_ok,
    lookup,
    model_ok,
    offers,
    same,
    text_ok,
    tool_result_ok,
    turn_ok,
)
from fakeopenai.scenario import (
    Match,
    MessageCondition,
    TextCondition,
    ToolResultCondition,
    TurnRange,
)
from fakeopenai.view import RequestView

_SHOWN = 80  # longest received value shown in an explanation, in characters


def _shown(value: Any) -> str:
    """A received value, repr-quoted and cut to about ``_SHOWN`` characters."""
    if isinstance(value, str):
        return repr(value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…")
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _got(value: Any, absent: str) -> str:
    """A received value as shown, or what to say when the request has none."""
    return absent if value is None else _shown(value)


def _expectation(cond: TextCondition) -> str | None:
    """``to contain 'x'`` and the like; None for a condition with no text test."""
    case = " (ignoring case)" if cond.ignore_case else ""
    if cond.contains is not None:
        return f"to contain {cond.contains!r}{case}"
    if cond.equals is not None:
        return f"to equal {cond.equals!r}{case}"
    if cond.regex is not None:
        return f"to match regex {cond.regex!r}{case}"
    return None


def _explain_text(key: str, what: str, cond: TextCondition, text: str | None) -> list[str]:
    """One line for a text condition on a message that may be absent (``what``)."""
    expectation = _expectation(cond)
    if text is None:
        if expectation is None:
            return [f"{key}: expected a {what}, got none"]
        return [f"{key}: expected {expectation}, got no {what}"]
    if text_ok(cond, text):
        return []
    return [f"{key}: expected {expectation}, got {_shown(text)}"]


def _explain_last_message(cond: MessageCondition, view: RequestView) -> list[str]:
    last = view.last_message
    if last is None:
        if cond.role is not None:
            return [f"last_message: expected role {cond.role!r}, got no message"]
        return _explain_text("last_message", "message", cond, None)
    # A wrong role and a wrong text are two separate facts, so each gets its line.
    lines: list[str] = []
    if cond.role is not None and cond.role != last.role:
        lines.append(f"last_message: expected role {cond.role!r}, got {last.role!r}")
    return lines + _explain_text("last_message", "message", cond, last.text)


def _count(count: int, noun: str) -> str:
    return f"none of {count} {noun}{'s' if count != 1 else ''}" if count else f"no {noun}s"


def _explain_any_message(cond: MessageCondition, view: RequestView) -> list[str]:
    if any_message_ok(cond, view):
        return []
    expectation = _expectation(cond)
    what = "a message" if cond.role is None else f"a {cond.role!r} message"
    if expectation is None:
        return [f"any_message: expected {what}, got none"]
    return [
        f"any_message: expected {what} {expectation}, got {_count(len(view.messages), 'message')}"
    ]


def _explain_tool_result(cond: ToolResultCondition, view: RequestView) -> list[str]:
    if tool_result_ok(cond, view):
        return []
    what = "a tool result" if cond.name is None else f"a result of a call to {cond.name!r}"
    expectation = _expectation(cond)
    results = view.tool_results
    if not results:
        got = "no tool results"
    else:
        shown = ", ".join(f"{r.name or '?'}: {_shown(r.content)}" for r in results[-3:])
        more = f"{len(results) - 3} more, then " if len(results) > 3 else ""
        got = f"{_count(len(results), 'tool result')} ({more}{shown})"
    return [f"tool_result: expected {what}{' ' + expectation if expectation else ''}, got {got}"]


def _turns(turn: TurnRange) -> str:
    if turn.min is not None and turn.min == turn.max:
        return str(turn.min)
    bounds = []
    if turn.min is not None:
        bounds.append(f"at least {turn.min}")
    if turn.max is not None:
        bounds.append(f"at most {turn.max}")
    return " and ".join(bounds) or "any number"


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def explain(match: Match, view: RequestView) -> list[str]:
    """Why ``match`` does not hold for ``view``: one line per failed condition.

    An empty list means the rule matches (exactly when ``matches`` is true).
    """
    m = match
    misses: list[str] = []
    if m.endpoint is not None and m.endpoint != view.endpoint:
        misses.append(f"endpoint: expected {m.endpoint!r}, got {view.endpoint!r}")
    if m.model is not None and not model_ok(m.model, view.model):
        misses.append(f"model: expected {m.model!r}, got {_got(view.model, 'no model')}")
    if m.stream is not None and m.stream != view.stream:
        misses.append(f"stream: expected {str(m.stream).lower()}, got {str(view.stream).lower()}")
    if m.scenario is not None and m.scenario != view.scenario:
        # The scenario comes from a header; say so, since that is what to add.
        got = _got(view.scenario, "no X-Fakeopenai-Scenario header")
        misses.append(f"scenario: expected {m.scenario!r}, got {got}")
    if m.tool_choice is not None and m.tool_choice != view.tool_choice:
        got = _got(view.tool_choice, "no tool_choice")
        misses.append(f"tool_choice: expected {m.tool_choice!r}, got {got}")
    response_format = view.response_format or "text"
    if m.response_format is not None and m.response_format != response_format:
        misses.append(f"response_format: expected {m.response_format!r}, got {response_format!r}")
    if m.turn is not None and not turn_ok(m.turn, view.turns):
        misses.append(
            f"turn: expected {_turns(m.turn)} assistant turns before this request, got {view.turns}"
        )
    if m.tools is not None:
        absent = [name for name in m.tools if not offers(view, name)]
        if absent:
            noun = "tool" if len(absent) == 1 else "tools"
            wanted = ", ".join(repr(name) for name in absent)
            misses.append(
                f"tools: request offers no {noun} {wanted} (offered: {_names(view.tool_names)})"
            )
    for header, pattern in (m.header or {}).items():
        if not header_ok(view.headers, header, pattern):
            got = _got(view.headers.get(header.lower()), "none")
            misses.append(f"header {header}: expected {pattern!r}, got {got}")
    if m.last_message is not None:
        misses += _explain_last_message(m.last_message, view)
    if m.last_user is not None:
        misses += _explain_text("last_user", "user message", m.last_user, view.last_user)
    if m.system is not None:
        misses += _explain_text("system", "system message", m.system, view.system)
    if m.any_message is not None:
        misses += _explain_any_message(m.any_message, view)
    if m.tool_result is not None:
        misses += _explain_tool_result(m.tool_result, view)
    for path, expected in (m.json_body or {}).items():
        actual = lookup(view.body, path)
        if not same(expected, actual):
            got = "missing" if actual is MISSING else _shown(actual)
            misses.append(f"json {path}: expected {expected!r}, got {got}")
    return misses


def describe(view: RequestView) -> str:
    """A one-line summary of a request, for diagnostics."""
    parts = ["no model" if view.model is None else f"model {_shown(view.model)}"]
    if view.stream:
        parts.append("stream")
    if view.scenario is not None:
        parts.append(f"scenario {_shown(view.scenario)}")
    last_user = view.last_user
    if last_user is not None:
        parts.append(f"last user message {_shown(last_user)}")
    last = view.last_message
    if last is not None and last.role != "user":
        parts.append(f"last message from {last.role!r} {_shown(last.text)}")
    if view.tools:
        parts.append(f"tools: {_names(view.tool_names)}")
    if view.tool_choice not in (None, "auto"):  # auto is the default when tools are offered
        parts.append(f"tool_choice {_shown(view.tool_choice)}")
    if view.response_format not in (None, "text"):
        parts.append(f"response_format {view.response_format!r}")
    return f"{view.endpoint} request ({', '.join(parts)})"
