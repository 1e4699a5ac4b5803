"""``POST embeddings``: one deterministic unit vector per input (WIRE.md §5.1)."""

from __future__ import annotations

import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fakeopenai.budgets import limits
from fakeopenai.endpoints import Turn, inputs
from fakeopenai.endpoints.common import invalid_type, missing, require_model
from fakeopenai.respond import ApiError
from fakeopenai.view import RequestView, embeddings_view
from fakeopenai.wire import embeddings as wire
from fakeopenai.wire.sse import Frame, compact

NO_DIMENSIONS = "This model does not support specifying dimensions."
MAX_DIMENSIONS = 16384  # for models the fake does not know: a bound on the work
ENCODINGS = ("float", "base64")


def _dimensions(body: Mapping[str, Any]) -> int:
    """The vector length: ``dimensions`` when given (and allowed), else the model's own."""
    model = body.get("model")
    native = wire.native_dimensions(model)
    given = body.get("dimensions")
    if given is None:
        return native
    if model in wire.FIXED_DIMENSIONS:
        raise ApiError(400, NO_DIMENSIONS)
    if type(given) is not int:
        raise invalid_type("dimensions", "an integer", given)
    most = native if model in wire.MODEL_DIMENSIONS else MAX_DIMENSIONS
    if not 1 <= given <= most:
        raise ApiError(
            400,
            f"Invalid value for 'dimensions': {given}. It must be between 1 and {most} "
            "for this model.",
            param="dimensions",
            code="invalid_value",
        )
    return given


class EmbeddingsEndpoint:
    """Embeddings: generated vectors, or the ones a rule pins with ``embedding:``."""

    name = "embeddings"

    def validate(self, body: Mapping[str, Any]) -> None:
        require_model(body)
        if "input" not in body:
            raise missing("input")
        inputs.check("input", body["input"], allow_empty_text=False)
        inputs.check_count("input", body["input"], limits.MAX_EMBEDDING_INPUTS)
        encoding = body.get("encoding_format")
        if encoding is not None and encoding not in ENCODINGS:
            raise ApiError(
                400,
                f"Invalid value: {encoding!r}. Supported values are: 'float' and 'base64'.",
                param="encoding_format",
                code="invalid_value",
            )
        if body.get("stream") is True:  # not a parameter of this endpoint
            raise ApiError(400, "Unrecognized request argument supplied: stream")
        _dimensions(body)
        inputs.check_tokens(
            body["input"],
            each=limits.MAX_EMBEDDING_INPUT_TOKENS,
            total=limits.MAX_EMBEDDING_REQUEST_TOKENS,
        )

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return embeddings_view(body, headers)

    def pieces(self, turn: Turn) -> Iterator[bytes]:
        """The body's JSON bytes, vector by vector, each made as it is needed (for large
        answers: ``piecewise.PiecesBody``)."""
        encoding = turn.view.body.get("encoding_format") or "float"
        yield b'{"object":"list","data":['
        for index, values in enumerate(self._vectors(turn)):
            item = {"object": "embedding", "index": index}
            yield (b"," if index else b"") + compact(
                {**item, "embedding": wire.encode(values, encoding)}
            )
        yield b"]," + compact({"model": turn.filled.model, "usage": self._usage(turn)})[1:]

    def vectors(self, turn: Turn) -> list[array.array[float]]:
        """One vector per input: generated from (seed, text), or pinned by the reply."""
        return list(self._vectors(turn))

    def _vectors(self, turn: Turn) -> Iterable[array.array[float]]:
        texts = turn.view.inputs
        pinned = turn.reply.embedding
        if not pinned:
            size = _dimensions(turn.view.body)
            return (wire.vector(text, turn.seed, size) for text in texts)
        if not isinstance(pinned[0], list):  # one vector for every input
            one = wire.pinned(pinned)
            return [one for _ in texts]
        if len(pinned) != len(texts):
            raise ApiError(
                500,
                f"fakeopenai: the reply pins {len(pinned)} embedding vectors but the request "
                f"has {len(texts)} inputs; give one vector (used for every input) or one per "
                "input.",
                "fakeopenai_reply_error",
                headers={"x-should-retry": "false"},
            )
        return [wire.pinned(values) for values in pinned]

    def _usage(self, turn: Turn) -> dict[str, int]:
        scripted = turn.reply.usage.prompt_tokens if turn.reply.usage else None
        tokens = (
            scripted
            if scripted is not None
            else inputs.token_count(turn.view.body.get("input"), turn.view.inputs)
        )
        return {"prompt_tokens": tokens, "total_tokens": tokens}

    def body(self, turn: Turn) -> dict[str, Any]:
        tokens = self._usage(turn)["prompt_tokens"]
        encoding = turn.view.body.get("encoding_format") or "float"
        return wire.embedding_list(self.vectors(turn), turn.filled.model, tokens, encoding)

    def frames(self, turn: Turn) -> Sequence[Frame]:
        """Embeddings never stream (``validate`` refuses ``stream: true``)."""
        raise ApiError(400, "Unrecognized request argument supplied: stream")
