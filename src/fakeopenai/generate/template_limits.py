"""How much a reply template may make: bounds that keep one template from stalling
every other request (templates render on the server's event loop).

Jinja2's sandbox keeps a template away from files, modules and private attributes,
and caps ``range()``; it does not bound the size of what a template builds. Here:
``*`` and ``**`` are checked before they run (``'a' * 10**9``, ``10 ** 10**9``), the
output is counted as it is rendered, and faker's size arguments (``length``, ``nb``,
``max_nb_chars`` ...) are capped. ``lipsum`` is not offered: faker writes prose, and
``lipsum(1000)`` took seconds.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT = 200_000  # characters one template may make (its * results too)
MAX_SIZE = 10_000  # a faker size argument: characters, words, sentences, items
MAX_EXPONENT = 1_000  # an integer power, past which the number alone takes seconds
# faker's parameters that set how much it makes (not a value's range, like max_value)
_SIZE_PARAMETERS = frozenset(
    {
        "length", "nb", "nb_words", "nb_sentences", "nb_elements", "max_nb_chars",
        "max_chars", "min_chars", "digits", "left_digits", "right_digits",
    }
)  # fmt: skip


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with ``*`` and ``**`` bounded (intercepted operators are
    not folded at compile time either, so a constant ``'a' * 10**9`` is caught too)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            size = _repeat_size(left, right)
            if size > MAX_OUTPUT:
                raise SecurityError(
                    f"'*' would make {size:,} items or characters (at most {MAX_OUTPUT:,})"
                )
        elif _big_power(left, right):
            raise SecurityError(f"'**' with an exponent above {MAX_EXPONENT:,} is refused")
        return super().call_binop(context, operator, left, right)


def _repeat_size(left: Any, right: Any) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and _is_int(times):
            return len(seq) * max(int(times), 0)
    return 0


def _big_power(base: Any, exponent: Any) -> bool:
    return _is_int(base) and abs(base) > 1 and _is_int(exponent) and exponent > MAX_EXPONENT


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bounded(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` (a faker provider method), refusing a size argument over MAX_SIZE."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            given = _signature(method).bind_partial(*args, **kwargs).arguments
        except TypeError:  # wrong arguments: let faker say so
            given = {}
        for parameter, value in given.items():
            if parameter in _SIZE_PARAMETERS and _is_int(value) and value > MAX_SIZE:
                raise SecurityError(
                    f"faker.{name}({parameter}={value}): at most {MAX_SIZE:,} in a template"
                )
        return method(*args, **kwargs)

    return call


def _signature(method: Callable[..., Any]) -> inspect.Signature:
    function = getattr(method, "__func__", None)
    if function is None:
        return inspect.signature(method)
    return _unbound_signature(function)


@functools.lru_cache(maxsize=2048)  # per provider function, not per faker instance
def _unbound_signature(function: Callable[..., Any]) -> inspect.Signature:
    """The signature of a method's function without ``self``."""
    signature = inspect.signature(function)
    return signature.replace(parameters=list(signature.parameters.values())[1:])
