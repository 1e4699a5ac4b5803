"""Making an answer: the filled reply (its generation failures as the envelopes they
deserve) and the body's bytes, both callable in a worker thread, so the app can move
whatever costs (templates, generated values, large answers) off the event loop."""

from __future__ import annotations

import zlib
from typing import Any

from fakeopenai.endpoints import Endpoint, Turn
from fakeopenai.engine import Decision
from fakeopenai.filled import Filled
from fakeopenai.generate import TemplateError, fill
from fakeopenai.generate.schema import UnusableSchema
from fakeopenai.journal import Entry
from fakeopenai.respond import ApiError
from fakeopenai.scenario import Reply
from fakeopenai.wire.gateway import with_schema
from fakeopenai.wire.sse import large_body_bytes


def fill_checked(reply: Reply, view: Any, decision: Decision) -> Filled:
    """The filled reply, its failures as the envelopes they deserve."""
    try:
        return fill(reply, view, seed=decision.seed, rule_key=decision.rule_key)
    except UnusableSchema as exc:
        raise ApiError(
            400,
            f"fakeopenai cannot generate a value for the request's JSON Schema: {exc}",
            code="fakeopenai_unusable_schema",
        ) from None
    except TemplateError as exc:
        raise ApiError(
            500,
            f"fakeopenai: rule {decision.rule_key!r} could not render its reply: {exc}",
            "fakeopenai_template_error",
            headers={"x-should-retry": "false"},
        ) from None


def body_of(
    endpoint: Endpoint,
    turn: Turn,
    extra: dict[str, str],
    entry: Entry,
    emit_schema: bool,
    *,
    worker: bool = False,
) -> dict[str, Any] | bytes:
    """The answer (``extra`` gains the schema link, if any); in a ``worker`` thread,
    its bytes, encoded piece by piece (``wire.sse.large_body_bytes``)."""
    encoded = getattr(endpoint, "encoded", None)
    if emit_schema:
        body, link = with_schema(endpoint.body(turn), endpoint.name, entry.headers.get("host"))
        extra.update(link)
        return body
    if worker:
        return large_body_bytes(endpoint.body(turn))
    return endpoint.body(turn) if encoded is None else encoded(turn)


def plain(reply: Reply) -> bool:
    """A reply with nothing that must be decided before its body starts (an error in a
    pinned vector, a delay, a fault)."""
    return not reply.embedding and reply.latency is None and reply.fault is None


def hash_seed(key: str, seed: int | None) -> int:
    """A stable integer from a rule key and seed (``hash()`` is salted per process)."""
    return zlib.crc32(f"{seed}:{key}".encode())
