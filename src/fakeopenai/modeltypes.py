"""What a pydantic annotation accepts, for error messages about the scenario models.

``validation`` walks pydantic's error ``loc`` down these annotations: ``strip`` removes
the wrappers pydantic reports no segment for, ``members`` names a union's branches the
way ``loc`` does, ``fits`` says whether data has the shape a branch takes, and
``describe`` says what a type accepts in a user's words.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag
from pydantic.fields import FieldInfo

from fakeopenai.scenario import ErrorSpec, TextCondition

MISSING: Any = object()  # "no value here" in data walked alongside a type
# Models whose before-validators accept a scalar shorthand: what it is, and its type.
_SHORTHANDS: dict[type[BaseModel], tuple[str, type]] = {
    ErrorSpec: ("a status code", int),
    TextCondition: ("a string", str),
}
_WORDS: dict[Any, str] = {
    list: "a list",
    dict: "a mapping",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
}


@cache
def fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the key users write (the alias when there is one)."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def is_model(tp: Any) -> bool:
    """Whether an annotation is a pydantic model class."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def strip(tp: Any) -> Any:
    """Drop ``Annotated`` wrappers and ``| None`` (pydantic adds no loc segment for them)."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif _is_union(tp) and len(non_none := _non_none(tp)) == 1:
            tp = non_none[0]
        else:
            return tp


def _non_none(tp: Any) -> list[Any]:
    return [arg for arg in get_args(tp) if arg is not type(None)]


def members(tp: Any) -> dict[str, Any] | None:
    """A union's branches by the tag pydantic puts in ``loc``; None if not a union."""
    if not _is_union(tp):
        return None
    branches: dict[str, Any] = {}
    for arg in _non_none(tp):
        tags = [meta.tag for meta in getattr(arg, "__metadata__", ()) if isinstance(meta, Tag)]
        branches[tags[0] if tags else _label(arg)] = arg
    return branches


def _label(tp: Any) -> str:
    """The name pydantic gives a union branch in ``loc``: ``list[ToolCall]``, ``str``."""
    tp = strip(tp)
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return "any"
    if origin is Literal:
        return f"literal[{','.join(repr(arg) for arg in args)}]"
    if origin in (list, dict):
        return f"{origin.__name__}[{','.join(_label(arg) for arg in args)}]"
    return getattr(tp, "__name__", str(tp))


def models_in(tp: Any) -> list[type[BaseModel]]:
    """The models a field holds directly, in a list or in a union's branches."""
    tp = strip(tp)
    if is_model(tp):
        return [tp]
    if get_origin(tp) is list:
        return models_in(get_args(tp)[0])
    if _is_union(tp):
        return [model for arg in _non_none(tp) for model in models_in(arg)]
    return []


def fits(tp: Any, value: Any) -> bool:
    """Whether ``value`` has the shape ``tp`` takes (its contents may still be wrong)."""
    tp = strip(tp)
    origin = get_origin(tp)
    if value is MISSING or tp is Any:
        return True
    if is_model(tp):
        return isinstance(value, Mapping) or any(
            issubclass(tp, model) and _is(value, kind) for model, (_, kind) in _SHORTHANDS.items()
        )
    if origin is list:
        return isinstance(value, list)
    if origin is dict:
        return isinstance(value, Mapping)
    if origin is Literal:
        return any(type(value) is type(arg) for arg in get_args(tp))
    return _is(value, tp) if isinstance(tp, type) else True


def _is(value: Any, kind: type) -> bool:
    # YAML's true/false are bools, which Python also counts as ints.
    if kind in (int, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def describe(tp: Any) -> str:
    """What a type accepts, in a user's words: ``a mapping``, ``one of 'a', 'b'``."""
    tp = strip(tp)
    if is_model(tp):
        for model, (words, _) in _SHORTHANDS.items():
            if issubclass(tp, model):
                return f"{words} or a mapping"
        return "a mapping"
    origin = get_origin(tp)
    if origin is Literal:
        options = ", ".join(repr(arg) for arg in get_args(tp))
        return options if len(get_args(tp)) == 1 else f"one of {options}"
    return _WORDS.get(origin or tp, "a valid value")
