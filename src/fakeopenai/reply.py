"""The ``reply`` part of the scenario format: what to answer, as pydantic models.

Shared by ``fakeopenai.scenario`` (which re-exports every name here). Every model
forbids unknown keys and is frozen; shorthands are normalised by before-validators
(``error: 429`` means ``{status: 429}``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from fakeopenai.headertypes import Headers, HeaderValue

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]
ChunkMode = Literal["word", "char", "token", "line", "none"]
FaultKind = Literal["disconnect", "truncate", "stall", "malformed", "error_event"]
Style = Literal["prose", "markdown", "code"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


def _json_only(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments go out as a JSON string: YAML's dates, sets, bytes and ``.nan`` cannot.
    (A value inside itself is the loader's ``unsendable`` issue.)"""
    try:
        json.dumps(arguments, allow_nan=False)
    except ValueError as exc:  # NaN / Infinity, or a cycle
        if "Circular" not in str(exc):
            raise ValueError("arguments must be JSON: .nan and .inf are not JSON numbers") from None
    except TypeError as exc:  # "Object of type date is not JSON serializable"
        raise ValueError(f"arguments must be JSON: {exc} (quote it to keep it text)") from None
    return arguments


class ToolCall(_Model):
    """One scripted tool call. ``arguments`` is a mapping, a JSON string, or ``auto``."""

    function: str
    arguments: Annotated[dict[str, Any], AfterValidator(_json_only)] | str = Field(
        default_factory=dict
    )
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
    """``content: {generate: {words: 200}}``: seeded plain prose of that length."""

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
    headers: Headers | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"status": value} if isinstance(value, int) else value


class Fault(_Model):
    """One fault, ``<kind>_after: N``. Streamed: after N content pieces (text or
    tool-argument deltas). Not streamed: after N bytes of the JSON body (0 = before
    the status line for disconnect and stall; error_event answers 200 with an
    ``{"error": ...}`` body). See ``fakeopenai.faults``."""

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
    reset_requests: HeaderValue | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: HeaderValue | None = None


class SseOptions(_Model):
    """``sse:``: how a stream's frames reach the wire, not what they say (for testing
    SSE parsers and the proxies between them; see ``fakeopenai.shaped``)."""

    line_ending: Literal["lf", "crlf", "cr"] = Field(
        "lf", description="End every SSE line with \\n (default), \\r\\n or \\r."
    )
    comments_every_ms: float | None = Field(
        None, gt=0, description="A ': keep-alive' comment line every N ms while waiting."
    )
    split_bytes: int | None = Field(
        None, ge=1, description="Cut every write into N-byte pieces, inside UTF-8 too."
    )
    coalesce: bool = Field(False, description="Frames already due go out in one write.")


class Reply(_Model):
    """What to answer. With nothing given, plausible text is generated."""

    content: Content | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | Literal["auto"] | None = None
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    model: str | None = None
    style: Style | None = Field(
        None,
        description="How generated text looks: markdown (the default on chat and Responses), "
        "prose (plain paragraphs; the default on legacy completions) or code.",
    )
    chunking: Chunking | None = None
    chunks: list[str] | None = None
    latency: Latency | None = None
    error: ErrorSpec | None = None
    retry_after: float | None = Field(None, ge=0)
    retry_after_ms: float | None = Field(None, ge=0)
    no_retry: bool | None = None
    ratelimit: RateLimit | None = None
    headers: Headers | None = Field(None, description="Extra response headers.")
    fault: Fault | None = None
    sse: SseOptions | None = Field(None, description="Wire-level stream options.")
    embedding: list[float] | list[list[float]] | None = Field(
        None, description="Embeddings endpoint: one vector for every input, or one per input."
    )

    @model_validator(mode="after")
    def _an_error_sends_nothing_else(self) -> Reply:
        """An error reply is a status and an envelope: content, calls or a stream fault
        beside it would be silently ignored, so they are refused."""
        if self.error is not None:
            extra = [
                key
                for key in ("content", "refusal", "tool_calls", "chunks", "fault", "embedding")
                if getattr(self, key) is not None
            ]
            if extra:
                raise ValueError(
                    f"an error reply sends no {' / '.join(extra)}: remove "
                    f"{'them' if len(extra) > 1 else 'it'} or the error"
                )
        return self

    @model_validator(mode="after")
    def _style_is_for_generated_text(self) -> Reply:
        """``style`` shapes the text a reply generates: beside scripted text it would do
        nothing, so the two are refused together."""
        if self.style is not None and (self.content is not None or self.chunks is not None):
            raise ValueError(
                "style applies to generated text: remove content/chunks (scripted text) or style"
            )
        return self

    @model_validator(mode="after")
    def _tool_call_ids_differ(self) -> Reply:
        """Clients match a call's deltas and its result by id: two alike confuse them."""
        if isinstance(self.tool_calls, list):
            ids = [call.id for call in self.tool_calls if call.id is not None]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"tool call id {twice[0]!r} is given twice: ids must differ")
        return self

    @model_validator(mode="after")
    def _chunks_are_the_content(self) -> Reply:
        """``chunks`` alone means the text is their concatenation; with ``content``
        they must join to it (the stream and the non-streamed body then agree)."""
        if self.chunks is None:
            return self
        joined = "".join(self.chunks)
        if self.content is None:
            object.__setattr__(self, "content", joined)  # frozen: set once, here
        elif self.content != joined:
            raise ValueError("chunks must join to exactly the content (or leave content out)")
        return self
