"""Does a rule's ``match`` hold for a request.

``matches`` is the hot path (every request, every rule until one matches) and builds no
strings. The per-condition predicates it uses are public because ``explaining`` uses the
same ones to say why a rule did not match, so the two cannot disagree.

An empty text condition (``last_user: {}``) still requires the message to exist, just as
the role-only ``last_message: {role: tool}`` requires a last message with that role.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping
from typing import Any

from fakeopenai.budgets.regex import search as regex_search
from fakeopenai.scenario import Match, MessageCondition, TextCondition
from fakeopenai.view import RequestView

__all__ = [
    "MISSING",
    "any_message_ok",
    "header_ok",
    "lookup",
    "matches",
    "model_ok",
    "offers",
    "same",
    "text_ok",
]

_GLOB_CHARS = frozenset("*?[")
MISSING: Any = object()  # a json path that leads nowhere
_INDEX = re.compile(r"-?[0-9]+")  # a json path segment that can index a list


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


def text_ok(cond: TextCondition, text: str) -> bool:
    if cond.contains is not None:
        return cond.contains in text
    if cond.equals is not None:
        return cond.equals == text
    if cond.regex is not None:
        return regex_search(cond.regex, text)  # bounded: budgets.regex
    return True  # no text test: the message existing is enough


def model_ok(pattern: str, model: str | None) -> bool:
    return model is not None and _glob_ok(pattern, model)


def offers(view: RequestView, name: str) -> bool:
    # Plain loops, not any(<generator>), here and below: this runs on every request.
    for tool in view.tools:  # noqa: SIM110
        if tool.name == name:
            return True
    return False


def header_ok(headers: Mapping[str, str], name: str, pattern: str) -> bool:
    value = headers.get(name.lower())
    return value is not None and _glob_ok(pattern, value)


def any_message_ok(cond: TextCondition, view: RequestView) -> bool:
    for message in view.messages:  # noqa: SIM110
        if text_ok(cond, message.text):
            return True
    return False


def lookup(body: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or ``MISSING``."""
    current: Any = body
    for key, index in _segments(path):
        if isinstance(current, Mapping):
            current = current.get(key, MISSING)
        elif index is not None and isinstance(current, list):
            current = current[index] if -len(current) <= index < len(current) else MISSING
        else:
            return MISSING
        if current is MISSING:
            return MISSING
    return current


def same(expected: Any, actual: Any) -> bool:
    """JSON equality: ``1 == 1.0`` holds, but a boolean only equals a boolean."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, Mapping):
        return (
            isinstance(actual, Mapping)
            and expected.keys() == actual.keys()
            and all(same(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(expected) == len(actual)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(actual, Mapping | list | tuple):
        return False
    return bool(expected == actual)


def _last_message_ok(cond: MessageCondition, view: RequestView) -> bool:
    last = view.last_message
    if last is None:
        return False
    return (cond.role is None or cond.role == last.role) and text_ok(cond, last.text)


def _optional_text_ok(cond: TextCondition, text: str | None) -> bool:
    return text is not None and text_ok(cond, text)


def matches(match: Match, view: RequestView) -> bool:
    """Whether every condition of ``match`` holds for ``view``.

    The hot path: stops at the first failed condition, cheapest conditions first, and
    builds no strings. Agrees exactly with ``explain(match, view) == []``.
    """
    m = match
    if m.endpoint is not None and m.endpoint != view.endpoint:
        return False
    if m.model is not None and not model_ok(m.model, view.model):
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
            if not offers(view, name):
                return False
    if m.header is not None:
        for header, pattern in m.header.items():
            if not header_ok(view.headers, header, pattern):
                return False
    if m.last_message is not None and not _last_message_ok(m.last_message, view):
        return False
    if m.last_user is not None and not _optional_text_ok(m.last_user, view.last_user):
        return False
    if m.system is not None and not _optional_text_ok(m.system, view.system):
        return False
    if m.any_message is not None and not any_message_ok(m.any_message, view):
        return False
    if m.json_body is not None:
        for path, expected in m.json_body.items():
            if not same(expected, lookup(view.body, path)):
                return False
    return True
