"""Load-time template checks: every template in every reply compiles and names known things.

Registered in ``loader.CHECKS``, so a scenario with a broken template fails to load with
``file:line: rules[0].reply.content: template syntax error: ...`` instead of failing on
the first request that reaches the rule. Names a template reads other than ``request``
and ``faker`` (a typo such as ``reqest``) are reported too; attributes of ``request``
depend on the request and can only fail at request time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fakeopenai.errors import Issue
from fakeopenai.generate.templates import (
    TemplateError,
    compile_template,
    is_template,
    template_strings,
    unknown_names,
)
from fakeopenai.scenario import Reply

if TYPE_CHECKING:
    from fakeopenai.loaded import LoadedScenario


def reply_templates(reply: Reply, where: str) -> list[tuple[str, str]]:
    """``(location, source)`` of every template string in one reply."""
    found: list[tuple[str, str]] = []
    if isinstance(reply.content, str) and is_template(reply.content):
        found.append((f"{where}.content", reply.content))
    if reply.refusal is not None and is_template(reply.refusal):
        found.append((f"{where}.refusal", reply.refusal))
    if isinstance(reply.tool_calls, list):
        for index, call in enumerate(reply.tool_calls):
            found += template_strings(call.arguments, f"{where}.tool_calls[{index}].arguments")
    return found


def template_problem(source: str) -> str | None:
    """What is wrong with a template source, or ``None``."""
    try:
        compile_template(source)
    except TemplateError as exc:
        return str(exc)
    unknown = unknown_names(source)
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        return f"template uses unknown name {listed} (templates see request and faker)"
    return None


def check_templates(scenario: LoadedScenario) -> list[Issue]:
    """An ``Issue`` for each template in the scenario's replies that cannot work."""
    issues: list[Issue] = []
    for rule in scenario.rules:
        for step, reply in enumerate(rule.replies):
            where = (
                f"rules[{rule.index}].replies[{step}]"
                if rule.sequence
                else f"rules[{rule.index}].reply"
            )
            for location, source in reply_templates(reply, where):
                problem = template_problem(source)
                if problem is not None:
                    issues.append(Issue(scenario.source, rule.line, location, problem))
    return issues


def raw_template_issues(
    data: Mapping[str, Any], source: str, rule_line: Callable[[int], int | None]
) -> list[Issue]:
    """Template problems in a scenario's raw data, for a file whose schema did not
    validate: its template errors are reported in the same run, not after a fix."""
    issues: list[Issue] = []
    rules = data.get("rules")
    if not isinstance(rules, list):
        return issues
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        replies: list[tuple[str, Any]] = [(f"rules[{index}].reply", rule.get("reply"))]
        if isinstance(rule.get("replies"), list):
            replies += [
                (f"rules[{index}].replies[{step}]", reply)
                for step, reply in enumerate(rule["replies"])
            ]
        for where, reply in replies:
            if not isinstance(reply, Mapping):
                continue
            found = template_strings(reply.get("content"), f"{where}.content")
            found += template_strings(reply.get("refusal"), f"{where}.refusal")
            calls = reply.get("tool_calls")
            if isinstance(calls, list):
                for n, call in enumerate(calls):
                    if isinstance(call, Mapping):
                        found += template_strings(
                            call.get("arguments"), f"{where}.tool_calls[{n}].arguments"
                        )
            for location, text in found:
                problem = template_problem(text)
                if problem is not None:
                    issues.append(Issue(source, rule_line(index), location, problem))
    return issues
