"""Seeds for everything generated: a pure function of (seed, rule, request content).

Every generated part of a reply (the text, each tool call's arguments, the
structured-output value) gets its own seed, derived with SHA-256 from the scenario or
server seed, the rule's key, a fingerprint of the request and the part's name. Python's
``hash()`` is salted per process, so it is never used: two servers given the same seed
and the same request produce the same bytes.

The fingerprint reads what the request *says* (messages, tools, tool choice, response
format) and not how it is delivered (``stream``, headers, endpoint, model), so a streamed
and a non-streamed request with the same prompt get the same text.

One Faker instance serves the process (it is slow to create and cheap to reseed); since
reseeding and drawing must not interleave between threads, every use holds ``FAKER_LOCK``.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Mapping
from typing import Any

from fakeopenai.view import RequestView

FAKER_LOCK = threading.RLock()
_faker: Any = None


def faker_instance() -> Any:
    """The process-wide ``Faker("en_US")``, created on first use. Hold ``FAKER_LOCK``."""
    global _faker
    if _faker is None:
        from faker import Faker

        _faker = Faker("en_US")
    return _faker


def fingerprint(view: RequestView) -> str:
    """A stable digest of the request's content (not its transport details)."""
    content: Mapping[str, Any] = {
        "messages": [[m.role, m.text] for m in view.messages],
        "inputs": list(view.inputs),
        "tools": [[t.name, t.parameters] for t in view.tools],
        "tool_choice": view.tool_choice,
        "response_format": view.response_format,
        "response_schema": view.response_schema,
    }
    # default=str: a body may hold values json cannot encode; their text is stable enough.
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Seeder:
    """Derives one independent integer seed per named part of a reply.

    The request's digest is computed on first use only: a scripted static reply
    needs no seed, and hashing the request is a good part of its cost."""

    __slots__ = ("_base", "_source")

    def __init__(
        self, base: str | None = None, source: tuple[int | None, str, RequestView] | None = None
    ) -> None:
        self._base = base
        self._source = source

    @property
    def base(self) -> str:
        if self._base is None:
            assert self._source is not None
            seed, rule_key, view = self._source
            material = f"{seed if seed is not None else 0}\x00{rule_key}\x00{fingerprint(view)}"
            self._base = hashlib.sha256(material.encode()).hexdigest()
        return self._base

    @classmethod
    def for_request(cls, seed: int | None, rule_key: str, view: RequestView) -> Seeder:
        """The seeder of one request answered by one rule; ``seed=None`` acts as 0."""
        return cls(source=(seed, rule_key, view))

    def for_choice(self, index: int) -> Seeder:
        """The seeder of choice ``index`` of an ``n > 1`` request (choice 0 is this one,
        so ``n: 1`` answers exactly as a request without ``n``)."""
        if index == 0:
            return self
        return Seeder(hashlib.sha256(f"{self.base}\x00choice/{index}".encode()).hexdigest())

    def seed(self, part: str) -> int:
        """A 64-bit seed for ``part`` (e.g. ``"content"``, ``"tool_calls/0/arguments"``)."""
        digest = hashlib.sha256(f"{self.base}\x00{part}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def rng(self, part: str) -> random.Random:
        """A private ``random.Random`` for ``part``."""
        return random.Random(self.seed(part))
