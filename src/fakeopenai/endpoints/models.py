"""``GET models`` and ``GET models/{id}`` (WIRE.md §5.2).

The served list is the union of the loaded scenarios' ``models:`` (in declaration
order), or, when no scenario declares one, a default list of current OpenAI models,
each alias followed by the dated snapshot the API answers with (``families``), as the
real list holds both.
Retrieving an id that is not in the served list is a 404 ``model_not_found``, as on the
real API; ids may contain ``/`` and ``:`` (``ft:gpt-4o-mini:org::id``).
"""

from __future__ import annotations

from typing import Any

from fakeopenai.families import snapshot
from fakeopenai.journal import Entry
from fakeopenai.respond import Answer, ApiError, json_response
from fakeopenai.settings import Core
from fakeopenai.wire.gateway import with_schema

# id → (created, owned_by), as the real API lists them.
DEFAULT_MODELS: dict[str, tuple[int, str]] = {
    "gpt-4o": (1715367049, "system"),
    "gpt-4o-mini": (1721172741, "system"),
    "gpt-4.1": (1744316542, "system"),
    "gpt-4.1-mini": (1744318173, "system"),
    "gpt-4.1-nano": (1744321707, "system"),
    "gpt-5": (1754425777, "system"),
    "gpt-5-mini": (1754425928, "system"),
    "o3": (1744225308, "system"),
    "o3-mini": (1737146383, "system"),
    "o4-mini": (1744225351, "system"),
    "gpt-3.5-turbo": (1677610602, "openai"),
    "gpt-3.5-turbo-instruct": (1692901427, "system"),
    "text-embedding-3-small": (1705948997, "system"),
    "text-embedding-3-large": (1705953180, "system"),
    "text-embedding-ada-002": (1671217299, "openai-internal"),
}
# Each alias's snapshot is listed after it, with the alias's created and owner.
DEFAULT_LIST: tuple[str, ...] = tuple(
    dict.fromkeys(name for alias in DEFAULT_MODELS for name in (alias, snapshot(alias)))
)
# ``created`` of a configured model the table does not know (the API's doc example).
CREATED = 1686935002


_ALIAS_OF = {snapshot(alias): alias for alias in DEFAULT_MODELS}


def served_models(core: Core) -> list[str]:
    """The model ids ``GET models`` lists, in order, without duplicates."""
    declared = [s.models for s in core.engine.scenarios if s.models is not None]
    if not declared:
        return list(DEFAULT_LIST)
    return list(dict.fromkeys(model for models in declared for model in models))


def model_object(model_id: str) -> dict[str, Any]:
    """One ``model`` object."""
    alias = _ALIAS_OF.get(model_id, model_id)
    created, owner = DEFAULT_MODELS.get(alias, (CREATED, "system"))
    return {"id": model_id, "object": "model", "created": created, "owned_by": owner}


def not_found(model_id: str) -> ApiError:
    """The API's 404 for a model it does not serve."""
    return ApiError(
        404,
        f"The model `{model_id}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def unknown_model(endpoint: str, model: str) -> ApiError:
    """The real answer to a request for a model not served: the Responses API says 400
    ``The requested model 'X' does not exist.`` with ``param: "model"`` (WIRE.md §9
    row 1), every other endpoint 404 ``model_not_found``."""
    if endpoint == "responses":
        message = f"The requested model '{model}' does not exist."
        return ApiError(400, message, param="model", code="model_not_found")
    return not_found(model)


def models_response(core: Core, entry: Entry, model_id: str | None) -> Answer:
    """The list (``model_id`` None) or one model; 404 for an id not served."""
    entry.endpoint, entry.model = "models", model_id
    served = served_models(core)
    body: dict[str, Any]
    if model_id is None:
        body = {"object": "list", "data": [model_object(m) for m in served]}
    elif model_id in served:
        body = model_object(model_id)
    else:
        raise not_found(model_id)
    headers: dict[str, str] = {}
    if core.settings.emit_schema:
        body, headers = with_schema(body, "models" if model_id is None else "model", _host(entry))
    entry.completed = True
    return json_response(body, entry, 200, headers)


def _host(entry: Entry) -> str | None:
    return entry.headers.get("host")
