"""Request checks several endpoints share, with the real API's messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fakeopenai.filled import Filled
from fakeopenai.respond import ApiError
from fakeopenai.scenario import Reply
from fakeopenai.wire.chunking import split, split_arguments

_JSON_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a decimal",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def type_name(value: Any) -> str:
    """How the API names a JSON value's type in its messages."""
    return _JSON_TYPES.get(type(value), "an object")


def invalid_type(param: str, expected: str, value: Any) -> ApiError:
    return ApiError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {type_name(value)} instead.",
        param=param,
        code="invalid_type",
    )


def require_model(body: Mapping[str, Any]) -> None:
    """``model`` must be there and be a string."""
    if "model" not in body or body["model"] is None:
        raise ApiError(400, "you must provide a model parameter")
    if not isinstance(body["model"], str):
        raise invalid_type("model", "a string", body["model"])


def missing(param: str) -> ApiError:
    return ApiError(
        400,
        f"Missing required parameter: '{param}'.",
        param=param,
        code="missing_required_parameter",
    )


def check_stream(body: Mapping[str, Any]) -> None:
    """``stream`` is a boolean; ``stream_options`` only with ``stream: true``."""
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise invalid_type("stream", "a boolean", stream)
    options = body.get("stream_options")
    if options is not None:
        if stream is not True:
            raise ApiError(
                400,
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                param="stream_options",
                code="invalid_value",
            )
        if not isinstance(options, dict):
            raise invalid_type("stream_options", "an object", options)


def empty_array(param: str) -> ApiError:
    return ApiError(
        400,
        f"Invalid '{param}': empty array. Expected an array with minimum length 1, "
        "but got an empty array instead.",
        param=param,
        code="empty_array",
    )


def check_tools(body: Mapping[str, Any], *, chat: bool = False) -> None:
    """``tools`` is an array of objects; on chat a non-empty one, and a function tool
    has its ``function`` object (Responses tools are flat and may be ``[]``)."""
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise invalid_type("tools", "an array", tools)
    if chat and not tools:
        raise empty_array("tools")
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise invalid_type(f"tools[{index}]", "an object", tool)
        if chat and tool.get("type", "function") == "function" and "function" not in tool:
            raise missing(f"tools[{index}].function")
        function = tool.get("function") if chat else tool
        if tool.get("type", "function") == "function" and isinstance(function, dict):
            where = f"tools[{index}].function" if chat else f"tools[{index}]"
            _check_schema(function, "parameters", where, "function")


def _check_schema(holder: dict[str, Any], key: str, where: str, kind: str) -> None:
    """``holder[key]``, a request's JSON Schema, as the API checks it: an object, and
    well-formed (``generate.schema_check``), else its 400 ``Invalid schema for ...``."""
    if key not in holder:
        return
    schema = holder[key]
    if not isinstance(schema, dict):
        raise invalid_type(f"{where}.{key}", "an object", schema)
    from fakeopenai.generate.schema_check import SchemaError, check_schema

    try:
        check_schema(schema)
    except SchemaError as exc:
        code = "invalid_function_parameters" if kind == "function" else "invalid_json_schema"
        name = holder.get("name")
        named = f" {name!r}" if isinstance(name, str) else ""
        raise ApiError(
            400, f"Invalid schema for {kind}{named}: {exc}.", param=f"{where}.{key}", code=code
        ) from None


def include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _number_text(value: Any) -> str:
    """A number as the API quotes it back (``5``, ``2.5``)."""
    return json.dumps(value)


def check_range(
    body: Mapping[str, Any],
    param: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = True,
) -> None:
    """``body[param]``, when given, is a number (an integer if ``integer``) within the
    bounds, else the API's 400 (``integer_below_min_value``, ``decimal_above_max_value``…)."""
    value = body.get(param)
    if value is None:
        return
    kind = "integer" if integer else "decimal"
    allowed = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise invalid_type(param, f"an {kind}" if integer else f"a {kind}", value)
    for bound, below in ((minimum, True), (maximum, False)):
        if bound is None or (value >= bound if below else value <= bound):
            continue
        side, word, sign = ("below", "min", ">=") if below else ("above", "max", "<=")
        raise ApiError(
            400,
            f"Invalid '{param}': {kind} {side} {word}imum value. Expected a value {sign} "
            f"{_number_text(bound)}, but got {_number_text(value)} instead.",
            param=param,
            code=f"{kind}_{side}_{word}_value",
        )


def invalid_value(param: str, value: Any, supported: list[str]) -> ApiError:
    """``Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'.``"""
    quoted = [f"'{s}'" for s in supported]
    listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    return ApiError(
        400,
        f"Invalid value: {value!r}. Supported values are: {listed}.",
        param=param,
        code="invalid_value",
    )


FORMAT_TYPES = ["json_object", "json_schema", "text"]


def check_format(value: Any, param: str, *, nested_schema: bool) -> str | None:
    """A ``response_format`` (chat, ``nested_schema``: the schema under ``json_schema``)
    or ``text.format`` (Responses): an object with a known ``type``; returns the type."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    if "type" not in value:
        raise missing(f"{param}.type")
    kind = value["type"]
    if kind not in FORMAT_TYPES:
        raise invalid_value(f"{param}.type", kind, FORMAT_TYPES)
    if kind == "json_schema" and nested_schema and not isinstance(value.get("json_schema"), dict):
        raise missing(f"{param}.json_schema")
    if kind == "json_schema" and nested_schema:
        _check_schema(value["json_schema"], "schema", f"{param}.json_schema", "response_format")
    elif kind == "json_schema":
        _check_schema(value, "schema", param, "response_format")
    return str(kind)


def require_json_word(texts: list[str], message: str, param: str) -> None:
    """``json_object`` needs the word "json" somewhere in the messages (any case)."""
    if not any("json" in text.lower() for text in texts):
        raise ApiError(400, message, param=param)


CHAT_JSON_WORD = (
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
    "'json_object'."
)
RESPONSES_JSON_WORD = (
    "Response input messages must contain the word 'json' in some form to use 'text.format' "
    "of type 'json_object'."
)


def clip(chunks: list[str], text: str) -> list[str]:
    """Scripted ``chunks`` cut to ``text``'s length (a length or stop limit cut the text
    they join to); all of them when the text is not shorter."""
    if len(text) >= sum(map(len, chunks)):
        return list(chunks)
    out: list[str] = []
    left = len(text)
    for chunk in chunks:
        if left <= 0:
            break
        out.append(chunk[:left])
        left -= len(chunk)
    return out


def text_pieces(text: str, reply: Reply) -> list[str]:
    """A stream's text pieces: the scripted ``chunks`` (cut to ``text``), or ``text``
    split by the reply's ``chunking``."""
    if reply.chunks is not None:
        return clip(reply.chunks, text)
    return split(text, reply.chunking)


def stream_pieces(choice: Filled, reply: Reply) -> tuple[list[str], list[list[str]]]:
    """One choice's stream pieces: its text (content or refusal), each call's arguments."""
    text = text_pieces(choice.content or choice.refusal or "", reply)
    arguments = [split_arguments(call.arguments, reply.chunking) for call in choice.tool_calls]
    return text, arguments
