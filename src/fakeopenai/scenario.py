"""The scenario file format, as pydantic models.

Every model forbids unknown keys (a misspelt key must never turn a rule into a
catch-all) and is frozen. Shorthands are normalised by before-validators so that the
rest of the code sees one canonical shape: a bare string text condition means
``{contains: ...}``, ``error: 429`` means ``{status: 429}``, ``tools: name`` means
``[name]``. ``fakeopenai schema`` prints the JSON Schema generated from these models.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from fakeopenai.headertypes import HeaderText
from fakeopenai.reply import (
    ChunkChars,
    Chunking,
    ChunkMode,
    Content,
    ErrorSpec,
    Fault,
    FaultKind,
    FinishReason,
    GeneratedContent,
    GenerateSpec,
    Latency,
    RateLimit,
    Reply,
    SseOptions,
    Style,
    ToolCall,
    Usage,
    _Model,
)

__all__ = [
    "Chaos",
    "ChunkChars",
    "ChunkMode",
    "Chunking",
    "Content",
    "Endpoint",
    "ErrorSpec",
    "Fault",
    "FaultKind",
    "FinishReason",
    "GenerateSpec",
    "GeneratedContent",
    "Latency",
    "Match",
    "MessageCondition",
    "RateLimit",
    "Reply",
    "Rule",
    "Scenario",
    "SseOptions",
    "Style",
    "TextCondition",
    "ToolCall",
    "Usage",
]

Endpoint = Literal["chat", "responses", "completions", "embeddings"]


def _one_key_shorthand(value: Any, key: str) -> Any:
    """``"x"`` → ``{key: "x"}``; anything else passes through to normal validation."""
    return {key: value} if isinstance(value, str) else value


class TextCondition(_Model):
    """A condition on a message's text. A bare string means ``contains``."""

    contains: str | None = None
    equals: str | None = None
    regex: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _one_key_shorthand(value, "contains")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regex {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _at_most_one(self) -> TextCondition:
        given = [k for k in ("contains", "equals", "regex") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of contains / equals / regex, not {' and '.join(given)}")
        return self


class MessageCondition(TextCondition):
    """``last_message``: a text condition plus the message's ``role``."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"] | None = None


class Match(_Model):
    """Conditions a request must meet; every condition given must hold."""

    endpoint: Endpoint | None = None
    model: str | None = Field(None, description="Exact model name or glob (gpt-4o*).")
    stream: bool | None = None
    last_user: TextCondition | None = None
    last_message: MessageCondition | None = None
    system: TextCondition | None = None
    any_message: TextCondition | None = None
    tools: list[str] | None = Field(None, description="Tool names the request must offer.")
    tool_choice: str | None = Field(None, description="none, auto, required or a tool name.")
    response_format: Literal["text", "json_object", "json_schema"] | None = None
    header: dict[str, HeaderText] | None = Field(None, description="Header name → value or glob.")
    json_body: dict[str, Any] | None = Field(
        None, alias="json", description="Dotted path on the request body → expected value."
    )
    scenario: str | None = Field(
        None, description="Only when the request names this scenario (X-Fakeopenai-Scenario)."
    )

    @field_validator("tools", mode="before")
    @classmethod
    def _tools_shorthand(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Chaos(_Model):
    """Turn a seeded fraction of matched requests into errors or stream faults."""

    rate: float = Field(ge=0, le=1)
    statuses: list[int] = Field(default_factory=lambda: [429, 500, 503])
    faults: list[FaultKind] = Field(default_factory=list)
    seed: int | None = None

    @field_validator("statuses")
    @classmethod
    def _error_statuses(cls, value: list[int]) -> list[int]:
        bad = [s for s in value if not 400 <= s <= 599]
        if bad:
            raise ValueError(f"statuses must be 400-599, got {bad}")
        return value


class Rule(_Model):
    """Match conditions and the reply (or sequence of replies) to give."""

    name: str | None = None
    match: Match = Field(default_factory=Match)
    reply: Reply | None = None
    replies: list[Reply] | None = Field(None, min_length=1)
    then: Literal["repeat", "cycle", "error"] | None = None
    chaos: Chaos | None = None

    @model_validator(mode="after")
    def _reply_or_replies(self) -> Rule:
        if self.reply is not None and self.replies is not None:
            raise ValueError("give reply or replies, not both")
        if self.reply is None and self.replies is None:
            raise ValueError("give reply (one answer) or replies (a sequence)")
        if self.then is not None and self.replies is None:
            raise ValueError("then applies to replies (a sequence) only")
        return self


class Scenario(_Model):
    """One scenario file."""

    model_config = ConfigDict(title="fakeopenai scenario")

    name: str | None = Field(None, description="Defaults to the file's stem.")
    description: str | None = None
    seed: int | None = None
    defaults: Reply | None = Field(None, description="Merged under every reply.")
    rules: list[Rule] = Field(default_factory=list)
    chaos: Chaos | None = None
    models: list[str] | None = Field(None, description="The model list GET models serves.")

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, value: Any) -> Any:
        """Top-level ``x-…`` keys are the author's own (e.g. YAML anchors to reuse)."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if not str(k).startswith("x-")}
        return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors (``fakeopenai schema``).

    pydantic's schema describes the canonical shapes; the shorthands the before-
    validators accept are added here, so an editor never flags a file the loader takes:
    a string text condition, ``error: 429``, ``tools: name``, numeric header values, and
    top-level ``x-…`` keys."""
    document = Scenario.model_json_schema(by_alias=True)
    defs = document["$defs"]

    def also(name: str, shorthand: dict[str, Any]) -> None:
        original = defs[name]
        defs[name] = {"anyOf": [original, shorthand], "description": original["description"]}

    also("TextCondition", {"type": "string", "description": "Shorthand for {contains: …}."})
    also("MessageCondition", {"type": "string", "description": "Shorthand for {contains: …}."})
    also("ErrorSpec", {"type": "integer", "minimum": 400, "maximum": 599})
    defs["Match"]["properties"]["tools"]["anyOf"].insert(0, {"type": "string"})

    def numbers_in_headers(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("additionalProperties") == {
                "type": "string"
            }:
                node["additionalProperties"] = {"type": ["string", "number"]}
            for value in node.values():
                numbers_in_headers(value)
        elif isinstance(node, list):
            for value in node:
                numbers_in_headers(value)

    numbers_in_headers(document)
    document["patternProperties"] = {"^x-": {"description": "Yours: anchors to reuse."}}
    document["$schema"] = "http://json-schema.org/draft-07/schema#"
    return document
