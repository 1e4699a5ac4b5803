"""Request checks several endpoints share, with the real API's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeopenai.respond import ApiError

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


def check_tools(body: Mapping[str, Any]) -> None:
    """``tools`` is an array of objects."""
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise invalid_type("tools", "an array", tools)
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise invalid_type(f"tools[{index}]", "an object", tool)


def include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True
