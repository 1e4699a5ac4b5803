"""pydantic validation errors → ``Issue``s a user can act on.

pydantic's ``loc`` mixes real keys and list indices with its own segments (union tags
such as ``text`` or ``list[ToolCall]``, ``[key]``). Each ``loc`` is walked against the
model annotations and the data together: real segments become the data path (and, via
the YAML position map, a line), tags identify the union branch the error came from.
For a union only the branch that fits the data's shape is reported (the mapping's errors
for a mapping given where ``str | mapping`` is allowed); when no branch fits, one
"expected A or B, got X" replaces them all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fakeopenai.errors import Issue
from fakeopenai.modeltypes import (
    MISSING,
    describe,
    fields,
    fits,
    is_model,
    members,
    models_in,
    strip,
)
from fakeopenai.yamlpos import Path

# pydantic's wrong-type errors, by what the value should have been.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
}
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("greater than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def issues_from(
    exc: ValidationError,
    root: type[BaseModel],
    data: Any,
    source: str,
    lines: Mapping[Path, int] | None,
) -> list[Issue]:
    """Every error of ``exc`` (raised validating ``data`` as ``root``) as an ``Issue``."""
    located = [_locate(n, err, root, data) for n, err in enumerate(exc.errors())]
    issues: list[Issue] = []
    for item in sorted(_prune(located, 0), key=lambda item: item.order):
        where, message = _explain(item)
        issue = Issue(source, line_of(lines, item.path), format_path(where), message)
        if issue not in issues:
            issues.append(issue)
    return issues


def line_of(lines: Mapping[Path, int] | None, path: Path) -> int | None:
    """The line of the deepest node on ``path`` that exists (None without positions)."""
    if not lines:
        return None
    for depth in range(len(path), -1, -1):
        line = lines.get(path[:depth])
        if line is not None:
            return line
    return None


def format_path(path: Path) -> str:
    """``("rules", 2, "reply")`` → ``rules[2].reply``; odd keys are quoted."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif re.fullmatch(r"[\w-]+", seg):
            out += f".{seg}" if out else seg
        else:
            out += f"[{seg!r}]"
    return out


def show(value: Any) -> str:
    """A value as a message names it: YAML spellings for scalars, a kind for collections."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to a misspelt ``word``, if one is close enough."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


@dataclass(frozen=True)
class _Branch:
    point: tuple[Any, ...]  # pydantic's loc up to the union: one per union evaluated
    tag: str
    fits: bool  # the branch's type has the shape of the data given
    path: Path
    value: Any
    expected: tuple[str, ...]  # what each branch of the union accepts


@dataclass
class _Located:
    order: int
    error: ErrorDetails
    path: Path = ()
    value: Any = MISSING
    parent: type[BaseModel] | None = None  # the model whose key the path ends with
    final: Any = Any  # the annotation at the end of the path
    key_error: bool = False
    branches: list[_Branch] = field(default_factory=list)
    message: str | None = None  # set for the "no branch fits" summary


def _locate(order: int, error: ErrorDetails, root: type[BaseModel], data: Any) -> _Located:
    item = _Located(order, error)
    tp: Any = root
    value = data
    path: list[str | int] = []
    for index, seg in enumerate(error["loc"]):
        tp = strip(tp)
        branches = members(tp)
        if branches is not None:
            chosen = branches.get(str(seg))
            item.branches.append(
                _Branch(
                    tuple(error["loc"][:index]),
                    str(seg),
                    chosen is None or fits(chosen, value),
                    tuple(path),
                    value,
                    tuple(dict.fromkeys(describe(m) for m in branches.values())),
                )
            )
            tp = Any if chosen is None else chosen
            continue
        if seg == "[key]":
            item.key_error = True
            continue
        if is_model(tp):
            item.parent = tp
            info = fields(tp).get(str(seg))
            tp = Any if info is None else info.annotation
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            tp = Any
        value, key = _step(value, seg)
        path.append(key)
    item.path, item.value, item.final = tuple(path), value, strip(tp)
    return item


def _step(value: Any, seg: str | int) -> tuple[Any, str | int]:
    """Follow one loc segment into the data: (the child or MISSING, the path segment)."""
    if isinstance(value, Mapping):
        for key in value:
            # pydantic reports a bool key as an int and a None key as 'None'.
            if key == seg or str(key) == str(seg):
                return value[key], str(key)
        return MISSING, str(seg)
    if isinstance(value, list) and isinstance(seg, int) and 0 <= seg < len(value):
        return value[seg], seg
    return MISSING, seg if isinstance(seg, int) else str(seg)


def _prune(items: list[_Located], depth: int) -> list[_Located]:
    """Keep, at every union, the errors of the one branch that best fits the data."""
    kept = [item for item in items if len(item.branches) <= depth]
    points: dict[tuple[Any, ...], dict[str, list[_Located]]] = {}
    for item in items:
        if len(item.branches) > depth:
            branch = item.branches[depth]
            points.setdefault(branch.point, {}).setdefault(branch.tag, []).append(item)
    for by_tag in points.values():
        fitting = [tag for tag, group in by_tag.items() if group[0].branches[depth].fits]
        if fitting:
            # Fewest errors first (the branch the user meant), then the deepest error.
            best = min(
                fitting,
                key=lambda tag: (
                    len(by_tag[tag]),
                    -max(len(item.error["loc"]) for item in by_tag[tag]),
                ),
            )
            kept.extend(_prune(by_tag[best], depth + 1))
            continue
        first = min((group[0] for group in by_tag.values()), key=lambda item: item.order)
        branch = first.branches[depth]
        message = f"expected {' or '.join(branch.expected)}, got {show(branch.value)}"
        kept.append(_Located(first.order, first.error, branch.path, message=message))
    return kept


def _explain(item: _Located) -> tuple[Path, str]:
    """Where to report the error (a path) and what to say."""
    if item.message is not None:
        return item.path, item.message
    error, value = item.error, item.value
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return item.path[:-1], _unknown_key(str(item.path[-1]), item.parent)
    if kind == "missing":
        return item.path[:-1], f"missing required key {item.path[-1]!r}"
    if kind == "value_error" and item.key_error:  # a key's own validator refused it
        return item.path[:-1], str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "invalid_key" or item.key_error:  # a mapping's key, not a value, is wrong
        key = error["input"]
        hint = (
            " (YAML reads yes/no/on/off as true/false: quote it)" if isinstance(key, bool) else ""
        )
        return item.path[:-1], f"keys must be strings, got {show(key)}{hint}"
    if value is MISSING:
        value = error["input"]
    if kind in ("value_error", "assertion_error"):
        reason = ctx.get("error")
        text = str(reason) if reason is not None else error["msg"]
        return item.path, text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        return item.path, _not_one_of(value, _literal_options(item.final, ctx))
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        return item.path, f"must be {words} {show(ctx.get(key))}, got {show(value)}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        words = "at least" if kind == "too_short" else "at most"
        plural = "" if bound == 1 else "s"
        return item.path, f"must have {words} {bound} item{plural}, got {show(value)}"
    if kind in ("model_type", "model_attributes_type"):
        return item.path, f"expected {describe(item.final)}, got {show(value)}"
    if kind in _EXPECTED:
        hint = ""
        if kind == "string_type" and isinstance(value, int | float):
            hint = " (quote it to make it a string)"
        return item.path, f"expected {_EXPECTED[kind]}, got {show(value)}{hint}"
    if kind == "recursion_loop":
        return item.path, "refers to itself (a YAML alias inside its own anchor)"
    return item.path, f"{error['msg']}, got {show(value)}"


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return f"unknown key {key!r}"
    names = list(fields(model))
    close = suggest(key, names)
    if close is not None:
        return f"unknown key {key!r} (did you mean {close!r}?)"
    for name, info in fields(model).items():
        if any(key in fields(inner) for inner in models_in(info.annotation)):
            return f"unknown key {key!r} (it belongs under {name!r})"
    return f"unknown key {key!r} (valid keys: {', '.join(names)})"


def _not_one_of(value: Any, options: list[str]) -> str:
    allowed = ", ".join(repr(option) for option in options)
    if len(options) == 1:
        text = f"expected {allowed}, got {show(value)}"
    else:
        text = f"{show(value)} is not one of {allowed}"
    close = suggest(value, options) if isinstance(value, str) and len(options) > 1 else None
    return f"{text} (did you mean {close!r}?)" if close else text


def _literal_options(tp: Any, ctx: Mapping[str, Any]) -> list[str]:
    if get_origin(tp) is Literal:
        return [str(arg) for arg in get_args(tp)]
    return re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
