"""Scenarios over the control API: documents sent to ``PUT /_fakeopenai/scenarios``
(YAML, or JSON by content type, refused for what a file would be refused for, duplicate
keys included, and for nesting too deep to read; parsed in a worker thread, as a large
one takes seconds, and past ``PARSE_IN_CHILD_BYTES`` in a child process, as libyaml holds
the GIL for a whole scalar) and the summary ``GET /_fakeopenai/scenarios`` answers."""

from __future__ import annotations

import json
import re
from typing import Any

from fakeopenai.budgets.limits import MAX_NESTING, PARSE_IN_CHILD_BYTES
from fakeopenai.budgets.process import ChildFailed, call_in_child
from fakeopenai.errors import Issue, ScenarioError
from fakeopenai.loader import LoadedScenario, load_mapping, load_text
from fakeopenai.settings import Core

UPLOAD_SOURCE = "<request body>"


def read_upload(raw: bytes, content_type: str, name: str) -> LoadedScenario:
    """``parse_scenario``, in a child process for a body past ``PARSE_IN_CHILD_BYTES``
    (``budgets.process``: in a thread of the server's, libyaml would stall the event loop
    for as long as it reads its largest scalar). Blocks: call it from a worker thread."""
    if len(raw) <= PARSE_IN_CHILD_BYTES:
        return parse_scenario(raw, content_type, name)
    try:
        outcome = call_in_child("fakeopenai.uploads:parse_outcome", raw, content_type, name)
    except ChildFailed as exc:
        issue = Issue(UPLOAD_SOURCE, None, "", f"the document could not be read: {exc}")
        raise ScenarioError([issue]) from None
    if isinstance(outcome, list):
        raise ScenarioError(outcome)
    return outcome  # type: ignore[no-any-return]


def parse_outcome(raw: bytes, content_type: str, name: str) -> LoadedScenario | list[Issue]:
    """``parse_scenario``'s scenario, or its issues (a ``ScenarioError`` does not survive
    pickling: its one argument is the message, not the issues)."""
    try:
        return parse_scenario(raw, content_type, name)
    except ScenarioError as exc:
        return exc.issues


def parse_scenario(raw: bytes, content_type: str, name: str) -> LoadedScenario:
    """One scenario document from a request body: JSON by content type, else YAML.

    Validated exactly like a file; ``ScenarioError`` lists every problem (YAML gives
    ``line: error``, JSON gives the key path, as a JSON body is usually one line).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        issue = Issue(UPLOAD_SOURCE, None, "", f"the body is not UTF-8 (byte {exc.start})")
        raise ScenarioError([issue]) from None
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        data = _json_document(text)
        if isinstance(data, dict) and "name" not in data:
            data = {"name": name, **data}
        return load_mapping(data, UPLOAD_SOURCE)
    return load_text(text, UPLOAD_SOURCE, name)


def _json_document(text: str) -> Any:
    """A JSON scenario document, refused as YAML's would be: duplicate keys, and nesting
    deeper than ``MAX_NESTING`` (json's own recursion would end in a RecursionError)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                raise ValueError(f"duplicate key {key!r} (JSON keeps only the last one)")
            seen[key] = value
        return seen

    depth = deepest(text)
    if depth > MAX_NESTING:
        problem = f"nested {depth:,} levels deep (at most {MAX_NESTING})"
        raise ScenarioError([Issue(UPLOAD_SOURCE, None, "", f"invalid JSON: {problem}")])
    try:
        return json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        issue = Issue(UPLOAD_SOURCE, line, "", f"invalid JSON: {getattr(exc, 'msg', exc)}")
        raise ScenarioError([issue]) from None


def deepest(text: str) -> int:
    """How deep brackets nest in JSON text (strings skipped), without parsing it.

    Escapes go first (``\\\\`` pairs, then ``\\"``; both pair up from the left, as
    JSON's do); then each string is skipped with ``find`` and each bracket outside one
    counted. A pattern matching whole string literals held the GIL for all of one
    (6 s for a 30 MB string of escapes); a step per bracket, 20 s for 30 MB of them."""
    plain = text.replace("\\\\", "").replace('\\"', "")
    depth = most = position = 0
    while found := _JSON_MARKS.search(plain, position):
        char, position = found[0], found.end()
        if char == '"':  # a string: on past its closing quote
            position = plain.find('"', position) + 1
            if position == 0:
                break
        elif char in "[{":
            depth += 1
            most = max(most, depth)
        else:
            depth -= 1
    return most


_JSON_MARKS = re.compile(r'[][{}"]')


def scenarios_summary(core: Core) -> dict[str, Any]:
    """Loaded scenarios with their rules, match conditions and hit counts."""
    from fakeopenai.engine import ADDED

    engine = core.engine
    hits = engine.hit_counts()

    def rules(owner: str, loaded: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": rule.name,
                "index": rule.index,
                "line": rule.line,
                "match": rule.match.model_dump(
                    mode="json", exclude_none=True, exclude_defaults=True
                ),
                "replies": len(rule.replies),
                "sequence": rule.sequence,
                "then": rule.then,
                "hits": hits.get((owner, rule.index), 0),
            }
            for rule in loaded
        ]

    return {
        "scenarios": [
            {
                "name": s.name,
                "source": s.source,
                "description": s.description,
                "seed": s.seed,
                "models": list(s.models) if s.models is not None else None,
                "chaos": s.chaos.model_dump(mode="json") if s.chaos else None,
                "rules": rules(s.name, s.rules),
            }
            for s in engine.scenarios
        ],
        "added": rules(ADDED, engine.added),
        "embedded_default": not engine.scenarios and not engine.added,
    }


def summary_json(core: Core) -> bytes:
    """``scenarios_summary`` as compact JSON, encoded rule by rule: ``json.dumps`` holds
    the GIL for all it encodes (0.3 s for 40,000 rules, the event loop stalled)."""
    return _encoded(scenarios_summary(core)).encode()


def _encoded(value: Any) -> str:
    if isinstance(value, list) and len(value) > 1:
        return "[" + ",".join(_encoded(item) for item in value) + "]"
    if isinstance(value, dict) and any(isinstance(item, list) for item in value.values()):
        pairs = (f"{_dumps(key)}:{_encoded(item)}" for key, item in value.items())
        return "{" + ",".join(pairs) + "}"
    return _dumps(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
