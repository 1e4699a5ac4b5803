"""The scenario file format, as pydantic models.

Every model forbids unknown keys (a misspelt key must never turn a rule into a
catch-all) and is frozen. Shorthands are normalised by before-validators so that the
rest of the code sees one canonical shape: a bare string text condition means
``{contains: ...}``, ``error: 429`` means ``{status: 429}``, ``tools: name`` means
``[name]``. ``fakeopenai schema`` prints the JSON Schema generated from these models.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

Endpoint = Literal["chat", "responses", "completions", "embeddings"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]
ChunkMode = Literal["word", "char", "token", "line", "none"]
FaultKind = Literal["disconnect", "truncate", "stall", "malformed", "error_event"]


def _number_to_text(value: Any) -> Any:
    """Header values written as YAML numbers (``x-retry: 3``) mean their text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


HeaderValue = Annotated[str, BeforeValidator(_number_to_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


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
    header: dict[str, HeaderValue] | None = Field(None, description="Header name → value or glob.")
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


class ToolCall(_Model):
    """One scripted tool call. ``arguments`` is a mapping, a JSON string, or ``auto``."""

    function: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    id: str | None = None


class GenerateSpec(_Model):
    """How much plausible text to generate: give exactly one measure."""

    words: int | None = Field(None, ge=1, le=100_000)
    tokens: int | None = Field(None, ge=1, le=100_000)
    sentences: int | None = Field(None, ge=1, le=10_000)
    paragraphs: int | None = Field(None, ge=1, le=1_000)

    @model_validator(mode="after")
    def _exactly_one(self) -> GenerateSpec:
        given = [k for k in ("words", "tokens", "sentences", "paragraphs") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of words, tokens, sentences, paragraphs")
        return self


class GeneratedContent(_Model):
    """``content: {generate: {words: 200}}``: seeded faker prose of that length."""

    generate: GenerateSpec


def _content_kind(value: Any) -> str:
    return "generated" if isinstance(value, dict | GeneratedContent) else "text"


Content = Annotated[
    Annotated[str, Tag("text")] | Annotated[GeneratedContent, Tag("generated")],
    Discriminator(_content_kind),
]


class ChunkChars(_Model):
    """``chunking: {chars: N}``: fixed-size pieces."""

    chars: int = Field(ge=1)


def _chunking_kind(value: Any) -> str:
    return "chars" if isinstance(value, dict | ChunkChars) else "mode"


Chunking = Annotated[
    Annotated[ChunkMode, Tag("mode")] | Annotated[ChunkChars, Tag("chars")],
    Discriminator(_chunking_kind),
]


class Usage(_Model):
    """Token counts to report instead of the counted ones."""

    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)
    cached_tokens: int | None = Field(None, ge=0)
    reasoning_tokens: int | None = Field(None, ge=0)


class Latency(_Model):
    """Delays, in milliseconds, scheduled against the request's start time."""

    headers_ms: float = Field(0, ge=0)
    ttft_ms: float = Field(0, ge=0)
    chunk_ms: float | None = Field(None, ge=0)
    tokens_per_second: float | None = Field(None, gt=0)
    jitter_ms: float = Field(0, ge=0)

    @model_validator(mode="after")
    def _one_pace(self) -> Latency:
        if self.chunk_ms is not None and self.tokens_per_second is not None:
            raise ValueError("give chunk_ms or tokens_per_second, not both")
        return self


class ErrorSpec(_Model):
    """A scripted error response. ``error: 429`` is short for ``error: {status: 429}``."""

    status: int = Field(ge=400, le=599)
    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: dict[str, HeaderValue] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"status": value} if isinstance(value, int) else value


class Fault(_Model):
    """A stream fault after N content pieces (text or tool-argument deltas)."""

    disconnect_after: int | None = Field(None, ge=0)
    truncate_after: int | None = Field(None, ge=0)
    stall_after: int | None = Field(None, ge=0)
    malformed_after: int | None = Field(None, ge=0)
    error_event_after: int | None = Field(None, ge=0)
    stall_ms: float | None = Field(None, ge=0, description="Stall length; default forever.")
    message: str | None = Field(None, description="error_event text.")
    type: str | None = None
    code: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Fault:
        kinds = [k for k in type(self).model_fields if k.endswith("_after")]
        given = [k for k in kinds if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(kinds)}")
        return self


class RateLimit(_Model):
    """Values for the ``x-ratelimit-*`` headers; each key sends its own header only."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests: str | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: str | None = None


class Reply(_Model):
    """What to answer. With nothing given, plausible text is generated."""

    content: Content | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | Literal["auto"] | None = None
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    model: str | None = None
    chunking: Chunking | None = None
    chunks: list[str] | None = None
    latency: Latency | None = None
    error: ErrorSpec | None = None
    retry_after: float | None = Field(None, ge=0)
    retry_after_ms: float | None = Field(None, ge=0)
    no_retry: bool | None = None
    ratelimit: RateLimit | None = None
    headers: dict[str, HeaderValue] | None = Field(None, description="Extra response headers.")
    fault: Fault | None = None
    embedding: list[float] | list[list[float]] | None = Field(
        None, description="Embeddings endpoint: one vector for every input, or one per input."
    )


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
