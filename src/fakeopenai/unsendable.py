"""Scenario data that cannot go out: a lone surrogate, or a value inside itself.

YAML and JSON both accept ``"\\ud800"``, half of a UTF-16 pair, and Python keeps it in
a ``str``; UTF-8 cannot encode it. Where fakeopenai hashes or encodes such text (a rule
name seeding generation, a reply asked for logprobs, a scenario name seeding chaos)
that was a 500 at request time. A YAML alias inside its own anchor (``&a {x: *a}``)
makes a value that contains itself: nothing can encode it (the control API's summary
was a 500). Every string and container of a scenario, keys included, is looked at once
when it loads; each one found is an issue at its line, beside the validation's (which
does not walk into free-form values: ``match.json``, tool arguments). Shared aliases are
walked once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from fakeopenai.errors import Issue
from fakeopenai.validation import format_path, line_of
from fakeopenai.yamlpos import Path

_LONE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_CYCLE = "this value contains itself (an alias inside its own anchor): write it out"


def unsendable(data: Any, source: str, lines: Mapping[Path, int] | None) -> list[Issue]:
    """The lone surrogates and self-containing values under ``data``, as issues."""
    return [
        Issue(source, line_of(lines, path), format_path(path), problem)
        for path, problem in _walk(data, (), set(), set())
    ]


def _problem(text: str) -> str | None:
    pair = _PAIR.search(text)
    if pair:  # "\\ud83d\\ude00": JSON joins the halves, YAML (PyYAML) does not
        high, low = map(ord, pair.group())
        whole = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        return (
            f"{text[:40]!r} holds {pair.group()!r}, the two UTF-16 halves of one character,"
            f" which YAML does not join: write it as \\U{whole:08X} (or the character itself)"
        )
    lone = _LONE.search(text)
    if lone:
        return (
            f"{text[:40]!r} holds a lone surrogate ({lone.group()!r}, half of a UTF-16"
            " pair), which UTF-8 cannot carry: remove it"
        )
    return None


def _walk(value: Any, path: Path, inside: set[int], done: set[int]) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        problem = _problem(value) if _LONE.search(value) else None
        if problem:
            yield path, problem
        return
    if not isinstance(value, Mapping | list | tuple):
        return
    if id(value) in inside:
        yield path, _CYCLE
        return
    if id(value) in done:  # a shared alias, already walked
        return
    inside.add(id(value))
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(key, path, inside, done)  # a key is text too
            yield from _walk(item, (*path, str(key)), inside, done)
    else:
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index), inside, done)
    inside.discard(id(value))
    done.add(id(value))
