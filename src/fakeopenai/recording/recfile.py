"""The recorded scenario file: rules added one exchange at a time, the same request
recorded again turned into ``replies:``, rewritten atomically after each change (a
temporary file in the same folder, then ``os.replace``), so whoever reads it — a person,
``fakeopenai serve --reload``, a crashed run — always finds a whole, valid scenario.

Thread-safe: the proxy's requests finish in any order.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from fakeopenai.recording.convert import Recorded
from fakeopenai.recording.redact import Redactor
from fakeopenai.recording.yamlout import FlowList, FlowMap, dump

# The order keys are written in: what a person reads first, first.
_REPLY_ORDER = (
    "content", "chunks", "refusal", "tool_calls", "embedding", "finish_reason", "usage",
    "model", "error", "fault", "latency",
)  # fmt: skip
_MATCH_ORDER = (
    "endpoint", "model", "stream", "last_user", "last_message", "tools", "response_format",
    "json",
)  # fmt: skip


class RecordingFile:
    """A scenario being recorded to ``path``.

    Each rule's YAML is dumped once and kept: its head (name and match) when it is
    added, each reply when it comes. A rewrite joins the pieces, so recording the n-th
    exchange costs one reply's YAML, not the whole file's. Writes coalesce: exchanges
    that end together are written together (each ``add`` returns once a write that
    holds it is done).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        description: str | None = None,
        redactor: Redactor | None = None,
        keep: bool = False,
        instant: bool = True,
    ) -> None:
        """``keep``: start from the rules already in ``path`` (new episodes are added).
        ``instant``: replies recorded without their latency replay at once, also under
        ``fakeopenai serve`` (which otherwise paces them like a model)."""
        self.path = Path(path)
        self.name = self.path.stem
        self.description = description
        self.redactor = redactor or Redactor()
        self.instant = instant
        self.rules: list[dict[str, Any]] = []
        self.models: list[str] = []
        self._keys: dict[str, int] = {}  # request key → index in rules
        self._texts: list[str] = []  # each rule's YAML, as an entry of ``rules:``
        self._secrets = 0  # how many secrets the cached texts were scrubbed of
        self._version = self._written = 0
        self._lock = threading.Lock()  # the rules and texts
        self._file_lock = threading.Lock()  # the file
        if keep and self.path.exists():
            self._read_back()

    def _read_back(self) -> None:
        import yaml

        document = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        self.name = document.get("name") or self.name
        self.description = document.get("description") or self.description
        self.instant = self.instant and "defaults" in document
        self.models = list(document.get("models") or [])
        for rule in document.get("rules") or []:
            self._keys[json.dumps(rule.get("match") or {}, sort_keys=True)] = len(self.rules)
            self.rules.append(rule)
            self._texts.append(self._render(rule))

    def add(self, recorded: Recorded, *, write: bool = True) -> str | None:
        """Add one exchange and rewrite the file (``write=False``: at the next
        ``flush``); the rule's name (None: no rule)."""
        with self._lock:
            new_models = [m for m in recorded.models if m not in self.models]
            self.models.extend(new_models)
            name = None
            if recorded.key is not None:
                name = self._add_rule(recorded)
            if name is None and not new_models:
                return None
            self._version += 1
            version = self._version
        if write:
            self._flush(version)
        return name

    def flush(self) -> None:
        """Write the file if anything was added since it was last written."""
        with self._lock:
            version = self._version
        self._flush(version)

    def _add_rule(self, recorded: Recorded) -> str:
        reply = _ordered(recorded.reply, _REPLY_ORDER)
        index = self._keys.get(recorded.key or "")
        if index is None:
            name = self._unique(recorded.name)
            match = _ordered(recorded.match, _MATCH_ORDER)
            rule: dict[str, Any] = {"name": name, "match": match, "reply": reply}
            self._keys[recorded.key or ""] = len(self.rules)
            self.rules.append(rule)
            self._texts.append(self._render(rule))
            return name
        rule = self.rules[index]
        if "reply" in rule:  # the same request again: a sequence, in the order recorded
            rule["replies"] = [rule.pop("reply")]
        rule["replies"].append(reply)
        if len(rule["replies"]) == 2:  # the rule's text changes shape: once
            self._texts[index] = self._render(rule)
        else:  # appended: the new reply's YAML only
            self._texts[index] += _item(self._piece(reply), "  ")
        return str(rule["name"])

    def _unique(self, name: str) -> str:
        taken = {rule.get("name") for rule in self.rules}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    def _piece(self, data: dict[str, Any]) -> str:
        return dump(_vectors_flow(self.redactor.scrub(data)))

    def _render(self, rule: dict[str, Any]) -> str:
        """The rule as an entry of ``rules:`` (as PyYAML would nest it)."""
        head = _item(self._piece({"name": rule["name"], "match": rule.get("match") or {}}), "")
        if "reply" in rule:
            return head + "  reply:\n" + _indented(self._piece(rule["reply"]), "    ")
        items = "".join(_item(self._piece(reply), "  ") for reply in rule["replies"])
        return head + "  replies:\n" + items

    def document(self) -> dict[str, Any]:
        """The scenario as plain data, redacted."""
        document = self._head()
        document["rules"] = self.rules
        scrubbed: dict[str, Any] = _vectors_flow(self.redactor.scrub(document))
        return scrubbed

    def _head(self) -> dict[str, Any]:
        document: dict[str, Any] = {"name": self.name}
        if self.description:
            document["description"] = self.description
        if self.models:
            document["models"] = FlowList(self.models)
        if self.instant:
            document["defaults"] = {"latency": FlowMap({"ttft_ms": 0})}
        return document

    def text(self) -> str:
        """The file's YAML (hold ``_lock``, or call when nothing else records)."""
        if len(self.redactor.secrets) != self._secrets:  # a secret seen since: scrub again
            self._secrets = len(self.redactor.secrets)
            self._texts = [self._render(rule) for rule in self.rules]
        parts = [dump(self.redactor.scrub(self._head()))]
        if not self.rules:
            return parts[0] + "rules: []\n"
        return "".join([*parts, "rules:\n", *self._texts])

    def _flush(self, version: int) -> None:
        with self._file_lock:
            if self._written >= version:
                return  # a write since our change already holds it
            with self._lock:
                text, version = self.text(), self._version
            self._replace(text)
            self._written = version

    def _replace(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def write(self) -> None:
        """Write the file now (even with no rule yet: an empty, valid scenario)."""
        with self._file_lock:
            with self._lock:
                text, version = self.text(), self._version
            self._replace(text)
            self._written = version


def _item(text: str, indent: str) -> str:
    """A dumped mapping as a block sequence entry at ``indent`` (as PyYAML nests it)."""
    first, _, rest = text.partition("\n")
    return f"{indent}- {first}\n" + _indented(rest, indent + "  ")


def _indented(text: str, pad: str) -> str:
    """Every line of ``text`` indented by ``pad`` (empty lines stay empty)."""
    return "".join(pad + line if line.strip("\n") else line for line in text.splitlines(True))


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {k: mapping[k] for k in order if k in mapping}
    return {**known, **{k: v for k, v in mapping.items() if k not in known}}


def _vectors_flow(node: Any, key: str = "") -> Any:
    """Short things on one line: vectors, name lists, usage, small text conditions."""
    if isinstance(node, FlowList | FlowMap):
        return node
    if isinstance(node, dict):
        if key in _FLOW_KEYS and _short(node):
            return FlowMap(node)
        return {k: _vectors_flow(v, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        if node and all(isinstance(v, int | float) and not isinstance(v, bool) for v in node):
            return FlowList(node)
        if key == "tools" and all(isinstance(v, str) for v in node):
            return FlowList(node)
        return [_vectors_flow(v) for v in node]
    return node


_FLOW_KEYS = ("last_user", "last_message", "usage", "latency", "fault", "json")


def _short(node: dict[str, Any]) -> bool:
    """Scalars only, one line's worth, no line breaks."""
    values = list(node.values())
    if not all(isinstance(v, str | int | float | bool) or v is None for v in values):
        return False
    return len(repr(node)) <= 72 and not any(isinstance(v, str) and "\n" in v for v in values)
