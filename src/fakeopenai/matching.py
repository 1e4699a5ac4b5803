"""Does a rule's ``match`` hold for a request, and if not, why not.

Two entry points share one set of per-condition predicates so they cannot disagree:
``matches`` is the hot path (every request, every rule until one matches) and builds no
strings; ``explain`` is for diagnostics and turns each failed condition into one line
that names what was expected and what was received. ``describe`` summarises a request
for the no-match message.

An empty text condition (``last_user: {}``) still requires the message to exist, just as
the role-only ``last_message: {role: tool}`` requires a last message with that role.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.scenario import Match, MessageCondition, TextCondition
from fakeopenai.view import RequestView

__all__ = ["describe", "explain", "matches"]

_SHOWN = 80  # longest received value shown in an explanation, in characters
_GLOB_CHARS = frozenset("*?[")
_MISSING: Any = object()  # a json path that leads nowhere
_INDEX = re.compile(r"-?[0-9]+")  # a json path segment that can index a list


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    """Compiled once per pattern: matching runs on every request."""
    return re.compile(pattern)


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str] | None:
    """The compiled glob, exactly as ``fnmatchcase`` builds it; None for a plain name."""
    return None if _GLOB_CHARS.isdisjoint(pattern) else re.compile(fnmatch.translate(pattern))


def _glob_ok(pattern: str, value: str) -> bool:
    """``fnmatchcase(value, pattern)``, with a plain name costing one string compare."""
    compiled = _glob(pattern)
    return value == pattern if compiled is None else compiled.match(value) is not None


@functools.lru_cache(maxsize=1024)
def _segments(path: str) -> tuple[tuple[str, int | None], ...]:
    """``messages.0.role`` → each key with its list index, when it is an integer."""
    return tuple((key, int(key) if _INDEX.fullmatch(key) else None) for key in path.split("."))


# -- predicates shared by matches() and explain() ------------------------------------


def _text_ok(cond: TextCondition, text: str) -> bool:
    if cond.contains is not None:
        return cond.contains in text
    if cond.equals is not None:
        return cond.equals == text
    if cond.regex is not None:
        return _regex(cond.regex).search(text) is not None
    return True  # no text test: the message existing is enough


def _model_ok(pattern: str, model: str | None) -> bool:
    return model is not None and _glob_ok(pattern, model)


def _offers(view: RequestView, name: str) -> bool:
    # Plain loops, not any(<generator>), here and below: this runs on every request.
    for tool in view.tools:  # noqa: SIM110
        if tool.name == name:
            return True
    return False


def _header_ok(headers: Mapping[str, str], name: str, pattern: str) -> bool:
    value = headers.get(name.lower())
    return value is not None and _glob_ok(pattern, value)


def _any_message_ok(cond: TextCondition, view: RequestView) -> bool:
    for message in view.messages:  # noqa: SIM110
        if _text_ok(cond, message.text):
            return True
    return False


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or ``_MISSING``."""
    current: Any = body
    for key, index in _segments(path):
        if isinstance(current, Mapping):
            current = current.get(key, _MISSING)
        elif index is not None and isinstance(current, list):
            current = current[index] if -len(current) <= index < len(current) else _MISSING
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def _same(expected: Any, actual: Any) -> bool:
    """JSON equality: ``1 == 1.0`` holds, but a boolean only equals a boolean."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, Mapping):
        return (
            isinstance(actual, Mapping)
            and expected.keys() == actual.keys()
            and all(_same(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(expected) == len(actual)
            and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(actual, Mapping | list | tuple):
        return False
    return bool(expected == actual)


def _last_message_ok(cond: MessageCondition, view: RequestView) -> bool:
    last = view.last_message
    if last is None:
        return False
    return (cond.role is None or cond.role == last.role) and _text_ok(cond, last.text)


def _optional_text_ok(cond: TextCondition, text: str | None) -> bool:
    return text is not None and _text_ok(cond, text)


def matches(match: Match, view: RequestView) -> bool:
    """Whether every condition of ``match`` holds for ``view``.

    The hot path: stops at the first failed condition, cheapest conditions first, and
    builds no strings. Agrees exactly with ``explain(match, view) == []``.
    """
    m = match
    if m.endpoint is not None and m.endpoint != view.endpoint:
        return False
    if m.model is not None and not _model_ok(m.model, view.model):
        return False
    if m.stream is not None and m.stream != view.stream:
        return False
    if m.scenario is not None and m.scenario != view.scenario:
        return False
    if m.tool_choice is not None and m.tool_choice != view.tool_choice:
        return False
    if m.response_format is not None and m.response_format != (view.response_format or "text"):
        return False
    if m.tools is not None:
        for name in m.tools:
            if not _offers(view, name):
                return False
    if m.header is not None:
        for header, pattern in m.header.items():
            if not _header_ok(view.headers, header, pattern):
                return False
    if m.last_message is not None and not _last_message_ok(m.last_message, view):
        return False
    if m.last_user is not None and not _optional_text_ok(m.last_user, view.last_user):
        return False
    if m.system is not None and not _optional_text_ok(m.system, view.system):
        return False
    if m.any_message is not None and not _any_message_ok(m.any_message, view):
        return False
    if m.json_body is not None:
        for path, expected in m.json_body.items():
            if not _same(expected, _lookup(view.body, path)):
                return False
    return True


# -- explanations --------------------------------------------------------------------


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
    if cond.contains is not None:
        return f"to contain {cond.contains!r}"
    if cond.equals is not None:
        return f"to equal {cond.equals!r}"
    if cond.regex is not None:
        return f"to match regex {cond.regex!r}"
    return None


def _explain_text(key: str, what: str, cond: TextCondition, text: str | None) -> list[str]:
    """One line for a text condition on a message that may be absent (``what``)."""
    expectation = _expectation(cond)
    if text is None:
        if expectation is None:
            return [f"{key}: expected a {what}, got none"]
        return [f"{key}: expected {expectation}, got no {what}"]
    if _text_ok(cond, text):
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


def _explain_any_message(cond: TextCondition, view: RequestView) -> list[str]:
    if _any_message_ok(cond, view):
        return []
    expectation = _expectation(cond)
    if expectation is None:
        return ["any_message: expected a message, got none"]
    count = len(view.messages)
    got = f"none of {count} message{'s' if count != 1 else ''}" if count else "no messages"
    return [f"any_message: expected a message {expectation}, got {got}"]


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
    if m.model is not None and not _model_ok(m.model, view.model):
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
    if m.tools is not None:
        absent = [name for name in m.tools if not _offers(view, name)]
        if absent:
            noun = "tool" if len(absent) == 1 else "tools"
            wanted = ", ".join(repr(name) for name in absent)
            misses.append(
                f"tools: request offers no {noun} {wanted} (offered: {_names(view.tool_names)})"
            )
    for header, pattern in (m.header or {}).items():
        if not _header_ok(view.headers, header, pattern):
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
    for path, expected in (m.json_body or {}).items():
        actual = _lookup(view.body, path)
        if not _same(expected, actual):
            got = "missing" if actual is _MISSING else _shown(actual)
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
