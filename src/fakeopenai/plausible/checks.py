"""The contradictions between a request and the answer a rule gave it.

Each check reads the request view and the filled answer (every choice) and says, in one
sentence, what the real API guarantees for that request and what the answer did
instead. ``reply_warnings`` adds which rule answered and how to fix it. Generated parts
(``tool_calls: auto``, structured output with no ``content``) are built to fit the
request, so in practice only scripted text and arguments are flagged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fakeopenai.filled import Filled
from fakeopenai.plausible.conform import violation
from fakeopenai.view import RequestView

_NOT_A_NAME = frozenset({"auto", "required", "none", "allowed_tools", "function", "custom"})
_SHOWN = 60
_UNFORCED = (None, "auto", "none")


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…")


def _forced(view: RequestView) -> str | None:
    """``'required'`` or the function ``tool_choice`` forces; None when it forces none."""
    choice = view.tool_choice
    if choice == "required":
        return "required" if view.tools else None
    if choice is not None and choice not in _NOT_A_NAME:
        return choice
    return None


def _strict_format(view: RequestView) -> tuple[str, Mapping[str, Any]] | None:
    """The name and schema of the request's strict ``json_schema`` format, if any."""
    if view.response_format != "json_schema" or view.response_schema is None:
        return None
    given = view.body.get("response_format")  # chat nests it; Responses has text.format
    if isinstance(given, Mapping) and isinstance(given.get("json_schema"), Mapping):
        spec: Any = given["json_schema"]
    else:
        text = view.body.get("text")
        spec = text.get("format") if isinstance(text, Mapping) else None
    if not isinstance(spec, Mapping) or spec.get("strict") is not True:
        return None
    return str(spec.get("name", "")), view.response_schema


def _text_when_forced(view: RequestView, choice: Filled) -> Iterator[str]:
    forced = _forced(view)
    if forced is None:
        return
    if not choice.tool_calls and (choice.content is not None or choice.refusal is not None):
        said = choice.content if choice.content is not None else choice.refusal or ""
        what = "'required'" if forced == "required" else f"function {forced!r}"
        yield (
            f"replied with text {_shown(said)}, but the request's tool_choice is {what}: "
            "the real API always answers it with a tool call. Fix: script tool_calls "
            "(or `tool_calls: auto`) for this request, or match on tool_choice"
        )
    elif forced != "required":
        for call in choice.tool_calls:
            if call.name != forced:
                yield (
                    f"called function {call.name!r}, but the request's tool_choice forces "
                    f"function {forced!r}: the real API calls that one only. Fix: call "
                    f"{forced!r} (or use `tool_calls: auto`)"
                )


def _calls(view: RequestView, choice: Filled) -> Iterator[str]:
    if choice.tool_calls and view.tool_choice == "none":
        names = ", ".join(repr(call.name) for call in choice.tool_calls)
        yield (
            f"called {names}, but the request's tool_choice is 'none': the real API answers "
            "with text then. Fix: script content for this request, or match on tool_choice"
        )
        return
    offered = {tool.name: tool for tool in view.tools}
    for call in choice.tool_calls:
        tool = offered.get(call.name)
        if tool is None:
            listed = ", ".join(offered) or "none"
            yield (
                f"called function {call.name!r}, which the request does not offer "
                f"(offered: {listed}): the real API calls only offered functions. Fix: call "
                "one of those (`tool_calls: auto` picks one), or match on `tools`"
            )
        elif tool.strict:
            problem = _json_problem(call.arguments, tool.parameters)
            if problem:
                yield (
                    f"called {call.name!r} with arguments {_shown(call.arguments)} that break "
                    f"its strict parameters schema ({problem}): the real API's strict mode "
                    "always fits them. Fix: script arguments that fit (or `arguments: auto`)"
                )


def _json_problem(text: str, schema: Mapping[str, Any]) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return "not valid JSON"
    return violation(value, schema)


def _structured(view: RequestView, choice: Filled) -> Iterator[str]:
    strict = _strict_format(view)
    # A cut answer (length, content filter) is unfinished JSON on the real API too.
    if strict is None or choice.content is None or choice.finish_reason != "stop":
        return
    name, schema = strict
    problem = _json_problem(choice.content, schema)
    if problem:
        named = f" {name!r}" if name else ""
        yield (
            f"replied with {_shown(choice.content)}, which breaks the request's strict "
            f"json_schema{named} ({problem}): the real API's structured output always fits "
            "it. Fix: script content that fits, or leave content out to have it generated"
        )


def _any_calls(filled: Filled) -> bool:
    return any(choice.tool_calls for choice in filled.choices)


def contradictions(view: RequestView, filled: Filled) -> list[str]:
    """What in ``filled`` the real API could not have sent for ``view`` (one sentence
    each, without the rule). Empty for a faithful answer."""
    if view.endpoint not in ("chat", "responses"):
        return []
    if view.response_schema is None and view.tool_choice in _UNFORCED and not _any_calls(filled):
        return []  # text where text is allowed: nothing could contradict (n > 1 included)
    found: list[str] = []
    for choice in filled.choices:
        for check in (_text_when_forced, _calls, _structured):
            found.extend(check(view, choice))
    return list(dict.fromkeys(found))  # n identical choices say it once


def reply_warnings(
    view: RequestView,
    filled: Filled,
    rule: str | Callable[[], str],
    log: logging.Logger | None = None,
) -> list[str]:
    """Each contradiction as a journal warning naming ``rule`` (``'name' in scenario 's'
    (file:line)``, or what makes it: only asked for when there is something to say),
    each also logged on ``log`` (``fakeopenai serve`` shows them)."""
    if not (view.tools or filled.tool_calls or filled.extra_choices) and (
        view.response_schema is None
    ):
        return []  # the common case, in a few attribute reads (every matched request)
    texts = contradictions(view, filled)
    if not texts:
        return []
    name = rule if isinstance(rule, str) else rule()
    found = [f"fakeopenai: rule {name} {text}." for text in texts]
    if log is not None:
        for warning in found:
            log.warning("%s", warning)
    return found
