"""Scenario files → validated scenarios with their defaults merged (SPEC §2).

One scenario per YAML file; a directory loads every ``*.yaml``/``*.yml`` in it (sorted
by name, hidden files skipped); several paths load in the order given. Loading is all
or nothing: every problem in every file is collected as an ``Issue`` (``file:line:
location: message``) and raised together in one ``ScenarioError``, so a server never
runs with half its scenarios.

``CHECKS`` lets other modules add checks pydantic can't express (templates, say)::

    from fakeopenai import loader
    loader.CHECKS.append(my_check)  # my_check(scenario: LoadedScenario) -> list[Issue]

Every ``load_*`` runs each check on each scenario that validated; the issues a check
returns fail the load like any other. ``load_rule`` runs them on a one-rule scenario
named after its ``source``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from fakeopenai import yamlpos
from fakeopenai.errors import Issue, ScenarioError
from fakeopenai.loaded import LoadedRule, LoadedScenario
from fakeopenai.merge import merge_reply
from fakeopenai.scenario import Reply, Rule, Scenario
from fakeopenai.sources import read_text, scenario_files
from fakeopenai.unsendable import unsendable
from fakeopenai.validation import format_path, issues_from, line_of, show

__all__ = [
    "CHECKS",
    "LoadedRule",
    "LoadedScenario",
    "load_mapping",
    "load_paths",
    "load_rule",
    "load_text",
    "merge_reply",
]


CHECKS: list[Callable[[LoadedScenario], list[Issue]]] = []


def _register_builtin_checks() -> None:
    """Template syntax and names are checked at load time, with file:line."""
    from fakeopenai.generate.checks import check_templates

    CHECKS.append(check_templates)


_register_builtin_checks()


@dataclass(frozen=True)
class _Result:
    scenario: LoadedScenario | None
    issues: list[Issue]
    name_line: int | None = None  # where `name:` is written, if it is


def load_paths(paths: Sequence[str | os.PathLike[str]]) -> list[LoadedScenario]:
    """Load files and directories in the order given; raise every issue of all of them."""
    issues: list[Issue] = []
    results: list[_Result] = []
    for raw in paths:
        sources, found = scenario_files(os.fspath(raw))
        issues += found
        for source, path in sources:
            text, problem = read_text(path, source)
            if problem is not None:
                issues.append(problem)
                continue
            result = _from_text(text, source, path.stem)
            issues += result.issues
            results.append(result)
    owners: dict[str, str] = {}
    for result in results:
        scenario = result.scenario
        if scenario is None:
            continue
        if scenario.name in owners:
            issues.append(_duplicate_name(scenario, owners[scenario.name], result.name_line))
        else:
            owners[scenario.name] = scenario.source
    if issues:
        raise ScenarioError(issues)
    return [result.scenario for result in results if result.scenario is not None]


def load_text(
    text: str, source: str = "<string>", default_name: str | None = None
) -> LoadedScenario:
    """Load one scenario from YAML (or JSON) text; its name defaults to ``default_name``."""
    return _unwrap(_from_text(text, source, default_name))


def load_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> LoadedScenario:
    """Load one scenario from already-parsed data (a dict from Python or a JSON body)."""
    if not isinstance(data, Mapping):
        raise ScenarioError([_not_a_mapping(source, None, data)])
    return _unwrap(_build(data, source, None, None))


def load_rule(data: Mapping[str, Any], source: str = "<rule>", index: int = 0) -> LoadedRule:
    """Validate one rule mapping (``FakeOpenAI.add``); unnamed, it is ``rules[index]``."""
    if not isinstance(data, Mapping):
        message = f"a rule must be a mapping (match, reply, ...), got {show(data)}"
        raise ScenarioError([Issue(source, None, "", message)])
    found = unsendable(data, source, None)
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(found + issues_from(exc, Rule, data, source, None)) from None
    loaded, issues = _rule(rule, index, None, source, lines=None, where=())
    issues = found + issues
    if loaded is not None:
        holder = LoadedScenario(
            name=source,
            source=source,
            description=None,
            seed=None,
            chaos=None,
            models=None,
            rules=(loaded,),
        )
        issues += _checked(holder)
    if issues or loaded is None:
        raise ScenarioError(issues)
    return loaded


def _unwrap(result: _Result) -> LoadedScenario:
    if result.issues or result.scenario is None:
        raise ScenarioError(result.issues)
    return result.scenario


def _from_text(text: str, source: str, default_name: str | None) -> _Result:
    try:
        parsed = yamlpos.parse(text)
    except yamlpos.YamlProblem as problem:
        return _Result(None, [Issue(source, problem.line, "", problem.message)])
    if parsed.data is None:
        message = "the file is empty: a scenario is a mapping with at least `rules`"
        return _Result(None, [Issue(source, None, "", message)])
    issues = [
        Issue(
            source,
            dup.line,
            format_path(dup.path),
            f"duplicate key {dup.key!r} (first on line {dup.first_line}; YAML keeps the last)",
        )
        for dup in parsed.duplicates
    ]
    result = _build(parsed.data, source, default_name, parsed.lines)
    issues = sorted(issues + result.issues, key=lambda issue: issue.line or 0)
    if issues:
        return _Result(None, issues, result.name_line)
    return result


def _build(
    data: Any, source: str, default_name: str | None, lines: Mapping[yamlpos.Path, int] | None
) -> _Result:
    """Validate one scenario's data and merge its defaults; positions give lines."""
    if not isinstance(data, Mapping):
        return _Result(None, [_not_a_mapping(source, line_of(lines, ()), data)])
    scan = unsendable(data, source, lines)  # its issues join the validation's
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        from fakeopenai.generate.checks import raw_template_issues

        schema = issues_from(exc, Scenario, data, source, lines)
        templates = raw_template_issues(data, source, lambda i: line_of(lines, ("rules", i)))
        return _Result(None, scan + schema + templates)
    issues: list[Issue] = list(scan)
    rules: list[LoadedRule] = []
    for index, rule in enumerate(scenario.rules):
        loaded, found = _rule(
            rule, index, scenario.defaults, source, lines=lines, where=("rules", index)
        )
        issues += found
        if loaded is not None:
            rules.append(loaded)
    name_line = line_of(lines, ("name",)) if scenario.name is not None else None
    if issues:
        return _Result(None, issues, name_line)
    result = LoadedScenario(
        name=scenario.name or default_name or source,
        source=source,
        description=scenario.description,
        seed=scenario.seed,
        chaos=scenario.chaos,
        models=tuple(scenario.models) if scenario.models is not None else None,
        rules=tuple(rules),
    )
    issues = _checked(result)
    return _Result(None if issues else result, issues, name_line)


def _rule(
    rule: Rule,
    index: int,
    defaults: Reply | None,
    source: str,
    *,
    lines: Mapping[yamlpos.Path, int] | None,
    where: yamlpos.Path,
) -> tuple[LoadedRule | None, list[Issue]]:
    """A rule with its replies merged over the defaults; ``where`` is its path."""
    given: list[Reply] = []  # the model makes sure there is one or the other
    if rule.replies is not None:
        given = rule.replies
    elif rule.reply is not None:
        given = [rule.reply]
    replies: list[Reply] = []
    issues: list[Issue] = []
    for number, reply in enumerate(given):
        try:
            replies.append(merge_reply(defaults, reply))
        except ValidationError as exc:  # the models allow a combination the merge made
            at = (*where, "replies", number) if rule.replies is not None else (*where, "reply")
            for issue in issues_from(exc, Reply, None, source, None):
                what = f"{issue.location}: {issue.message}" if issue.location else issue.message
                message = f"with the defaults merged, {what}"
                issues.append(Issue(source, line_of(lines, at), format_path(at), message))
    if issues:
        return None, issues
    loaded = LoadedRule(
        name=rule.name or f"rules[{index}]",
        index=index,
        line=line_of(lines, where) if where else None,
        match=rule.match,
        replies=tuple(replies),
        sequence=rule.replies is not None,
        then=rule.then or "repeat",
        chaos=rule.chaos,
    )
    return loaded, []


def _checked(scenario: LoadedScenario) -> list[Issue]:
    return [issue for check in CHECKS for issue in check(scenario)]


def _not_a_mapping(source: str, line: int | None, data: Any) -> Issue:
    message = f"a scenario must be a mapping (name, rules, ...), got {show(data)}"
    return Issue(source, line, "", message)


def _duplicate_name(scenario: LoadedScenario, owner: str, name_line: int | None) -> Issue:
    if name_line is None:
        message = (
            f"scenario name {scenario.name!r} (from the file name) is already used by "
            f"{owner}; give one of them a `name:`"
        )
        return Issue(scenario.source, None, "", message)
    message = f"scenario name {scenario.name!r} is already used by {owner}"
    return Issue(scenario.source, name_line, "name", message)
