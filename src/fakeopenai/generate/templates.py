"""Jinja2 templates in replies, rendered in Jinja2's immutable sandbox.

A reply string is a template when it holds ``{{``, ``{%`` or ``{#``. Templates see two
names: ``request`` (the request body's fields, read-only, plus ``last_user``,
``last_message``, ``system``, ``tools``, ``tool_result``, ``messages`` and ``body``) and
``faker`` (a seeded Faker; only its value-making methods). Undefined names are errors,
not empty text, so a typo is reported instead of silently sent.

Safety: the sandbox refuses underscore attributes (``__class__``, ``__globals__`` ...),
the immutable variant refuses to mutate lists and dicts, and ``faker`` is a proxy that
exposes only the provider methods that make values from arguments (none that read a
format string naming other methods, or reseed, or add providers). Nothing in the context
reaches files, modules or the network.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes
from jinja2.exceptions import SecurityError

from fakeopenai.budgets.template import rendering
from fakeopenai.errors import FakeOpenAIError
from fakeopenai.generate.template_limits import MAX_OUTPUT, Sandbox, bounded
from fakeopenai.view import RequestView

TEMPLATE_NAMES = frozenset({"request", "faker"})
_MARKERS = ("{{", "{%", "{#")
# Faker methods that take names of other methods (a format string, value types: they
# reach any attribute of the generator), change shared state, or build binary blobs.
_FAKER_DENIED = frozenset(
    {
        "add_provider", "binary", "csv", "del_arguments", "dsv", "enum", "fixed_width",
        "format", "get_arguments", "get_formatter", "get_providers", "image", "json",
        "json_bytes", "parse", "provider", "providers", "psv", "pydict", "pyiterable",
        "pylist", "pyobject", "pyset", "pystr_format", "pystruct", "pytuple", "random",
        "seed", "seed_instance", "seed_locale", "set_arguments", "set_formatter", "tar",
        "tsv", "xml", "zip",
    }
)  # fmt: skip


class TemplateError(FakeOpenAIError):
    """A reply template failed to compile or to render."""


@functools.lru_cache(maxsize=4096)  # asked of the same scripted texts on every request
def is_template(text: str) -> bool:
    """Whether ``text`` holds Jinja2 markup (and so is rendered)."""
    return "{" in text and any(marker in text for marker in _MARKERS)


_ENV = Sandbox(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
del _ENV.globals["lipsum"]  # faker writes the prose; lipsum(1000) took seconds
# Nodes that load another template: the sandbox has no loader, so they could only fail.
_LOADS = (jinja2.nodes.Extends, jinja2.nodes.Include, jinja2.nodes.Import, jinja2.nodes.FromImport)


def _excerpt(source: str) -> str:
    flat = " ".join(source.split())
    return repr(flat if len(flat) <= 60 else flat[:57] + "...")


@functools.lru_cache(maxsize=1024)
def compile_template(source: str) -> jinja2.Template:
    """The compiled template of ``source`` (each distinct string is compiled once).

    Raises ``TemplateError`` with Jinja2's message for a syntax error.
    """
    try:
        tree = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        where = f" (template line {exc.lineno})" if "\n" in source.strip() else ""
        raise TemplateError(f"template syntax error{where}: {exc.message}") from None
    if any(True for _ in tree.find_all(_LOADS)):
        raise TemplateError(
            "templates cannot extend, include or import other templates: write it inline"
        )
    return _ENV.from_string(tree)


def unknown_names(source: str) -> list[str]:
    """Names the template reads that are neither ``request``, ``faker`` nor a Jinja global."""
    names = jinja2.meta.find_undeclared_variables(_ENV.parse(source))
    return sorted(name for name in names if name not in TEMPLATE_NAMES | set(_ENV.globals))


class SafeFaker:
    """``faker`` as templates see it: provider methods only, e.g. ``faker.city()``."""

    def __init__(self, fake: Any) -> None:
        self._generator = fake.factories[0]

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # Provider methods are instance attributes of the generator (set by add_provider);
        # anything else (class methods, dunders, state) is not offered.
        method = vars(self._generator).get(name)
        if name.startswith("_") or name in _FAKER_DENIED or not callable(method):
            raise AttributeError(f"faker has no method {name!r}")
        return bounded(name, method)


def _messages(view: RequestView) -> Any:
    raw = view.body.get("messages")
    if isinstance(raw, list):
        return raw
    return [{"role": m.role, "content": m.text} for m in view.messages]


def request_context(view: RequestView) -> Mapping[str, Any]:
    """What a template sees as ``request``: the body's fields and a few conveniences."""
    last = view.last_message
    tool_texts = [m.text for m in view.messages if m.role == "tool"]
    fields: dict[str, Any] = dict(view.body)
    fields.update(
        body=view.body,
        model=view.model,
        messages=_messages(view),
        last_user=view.last_user,
        last_message=last.text if last else None,
        system=view.system,
        tools=view.tool_names,
        tool_result=tool_texts[-1] if tool_texts else None,
    )
    return MappingProxyType(fields)


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render ``source`` with ``context`` (``request`` and ``faker``).

    Raises ``TemplateError`` naming the template and the problem, whatever went wrong
    inside (undefined name, sandbox refusal, an exception in a filter ...).
    """
    template = compile_template(source)
    made: list[str] = []
    size = 0
    try:
        with rendering():  # the CPU and memory budget (budgets.template)
            for piece in template.generate(context):  # counted as it comes (template_limits)
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise SecurityError(f"it makes more than {MAX_OUTPUT:,} characters")
                made.append(piece)
    except Exception as exc:  # the template's own failure, whatever its kind
        detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise TemplateError(f"template {_excerpt(source)} failed: {detail}") from None
    return "".join(made)


def render_value(value: Any, context: Mapping[str, Any]) -> Any:
    """``value`` with every template string inside it (nested too) rendered."""
    if isinstance(value, str):
        return render(value, context) if is_template(value) else value
    if isinstance(value, Mapping):
        return {key: render_value(item, context) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(item, context) for item in value]
    return value


def template_strings(
    value: Any, path: str, _seen: frozenset[int] = frozenset()
) -> list[tuple[str, str]]:
    """``(location, source)`` of every template string in ``value``, for load-time checks.
    A container inside itself (a YAML alias in its own anchor) is not walked again."""
    if isinstance(value, str):
        return [(path, value)] if is_template(value) else []
    if id(value) in _seen:
        return []
    inside = _seen | {id(value)}
    if isinstance(value, Mapping):
        found: list[tuple[str, str]] = []
        for key, item in value.items():
            found += template_strings(item, f"{path}.{key}", inside)
        return found
    if isinstance(value, list | tuple):
        return [
            pair
            for i, item in enumerate(value)
            for pair in template_strings(item, f"{path}[{i}]", inside)
        ]
    return []
