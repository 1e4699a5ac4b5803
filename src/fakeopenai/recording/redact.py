"""What never reaches disk: credential headers, cookies, ``--redact`` names and any
secret value seen in them, wherever it turns up (a prompt that echoes the key, say).

Pure functions over plain data; the proxy and the cassette importer both use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"

# Always secret (SPEC §5); compared in lower case.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-api-key",
    }
)


class Redactor:
    """Redacts headers and dotted body paths, and remembers the secret values it saw so
    that ``scrub`` can remove them from anything else bound for disk or a log."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        given = [n.strip() for n in names if n.strip()]
        self.headers = SECRET_HEADERS | {n.lower() for n in given if "." not in n}
        # A name without a dot may also be a top-level body field (``user``, ``metadata``).
        self.paths = [n.split(".") for n in given]
        self.secrets: set[str] = set()

    def note_headers(self, headers: Mapping[str, str]) -> None:
        """Remember the values of secret headers (and a Bearer token without its scheme)."""
        for name, value in headers.items():
            if name.lower() in self.headers and value:
                self.secrets.add(value)
                scheme, _, token = value.partition(" ")
                if token and scheme.lower() in ("bearer", "basic", "token"):
                    self.secrets.add(token.strip())

    def headers_of(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers`` with every secret one's value replaced (names kept, in lower case)."""
        self.note_headers(headers)
        return {
            k.lower(): (REDACTED if k.lower() in self.headers else v) for k, v in headers.items()
        }

    def body(self, value: Any) -> Any:
        """A copy of a JSON body with every ``--redact`` path replaced, then scrubbed."""
        copied = _copy(value)
        for path in self.paths:
            _redact_path(copied, path)
        return self.scrub(copied)

    def frame(self, data: str) -> str:
        """A stream frame's JSON data with every ``--redact`` path replaced (and the
        secrets seen scrubbed); ``[DONE]`` and other text as it was."""
        if not self.paths:
            return data
        try:
            value = json.loads(data)
        except ValueError:
            return data
        return json.dumps(self.body(value), ensure_ascii=False)

    def scrub(self, value: Any) -> Any:
        """``value`` with every remembered secret removed from every string in it."""
        if not self.secrets:
            return value
        if isinstance(value, str):
            for secret in sorted(self.secrets, key=len, reverse=True):
                if len(secret) >= 8 and secret in value:  # a short value is no credential
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _redact_path(node: Any, path: list[str]) -> None:
    """Replace the value at ``path`` (``*`` or an index for list items) in place."""
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        items = range(len(node)) if head == "*" else [int(head)] if head.isdigit() else []
        for i in items:
            if i < len(node):
                if rest:
                    _redact_path(node[i], rest)
                elif _hides(node[i]):
                    node[i] = REDACTED
        return
    if isinstance(node, dict) and head in node:
        if rest:
            _redact_path(node[head], rest)
        elif _hides(node[head]):
            node[head] = REDACTED


def _hides(value: Any) -> bool:
    """Whether replacing ``value`` hides anything: null and "" stay (a stream's role
    chunk has ``content: ""``; made "[redacted]", it would add text to the replay)."""
    return value is not None and value != ""
