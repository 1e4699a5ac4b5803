"""Scenarios over the control API: documents sent to ``PUT /_fakeopenai/scenarios``
(YAML, or JSON by content type, refused for what a file would be refused for, duplicate
keys included, and for nesting too deep to read; parsed in a worker thread, as a large
one takes seconds) and the summary ``GET /_fakeopenai/scenarios`` answers."""

from __future__ import annotations

import json
import re
from typing import Any

from fakeopenai.budgets.limits import MAX_NESTING
from fakeopenai.errors import Issue, ScenarioError
from fakeopenai.loader import LoadedScenario, load_mapping, load_text
from fakeopenai.settings import Core

UPLOAD_SOURCE = "<request body>"


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
    """How deep brackets nest in JSON text (strings skipped), without parsing it."""
    depth = most = 0
    for found in _JSON_TOKENS.finditer(text):
        token = found[0]
        if token in ("[", "{"):
            depth += 1
            most = max(most, depth)
        elif token in ("]", "}"):
            depth -= 1
    return most


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


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
