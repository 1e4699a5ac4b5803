"""How much a reply template may make: bounds that keep one template from stalling
every other request (templates render on the server's event loop).

Jinja2's sandbox keeps a template away from files, modules and private attributes,
and caps ``range()``; it does not bound the size of what a template builds. Here:
``*`` and ``**`` are checked before they run (``'a' * 10**9``, ``10 ** 10**9``), the
output is counted as it is rendered, and faker's size arguments (``length``, ``nb``,
``max_nb_chars`` ...) are capped, as are widths given to padding methods and filters
(``'a'.ljust(10**9)``, ``|center``, ``'{:>1000000000}'.format``, ``'%*d' %``). ``lipsum``
is not offered: faker writes prose, and ``lipsum(1000)`` took seconds.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
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
    """The immutable sandbox with ``*``, ``**`` and ``%`` bounded (intercepted operators
    are not folded at compile time either, so a constant ``'a' * 10**9`` is caught too),
    and the padding methods and filters (``ljust``, ``center``, format widths...)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in _PADDING_FILTERS:
            self.filters[name] = _widths_bounded(f"|{name}", self.filters[name])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            size = _repeat_size(left, right)
            if size > MAX_OUTPUT:
                raise SecurityError(
                    f"'*' would make {size:,} items or characters (at most {MAX_OUTPUT:,})"
                )
        elif operator == "**":
            if _big_power(left, right):
                raise SecurityError(f"'**' with an exponent above {MAX_EXPONENT:,} is refused")
        elif isinstance(left, str):  # '%': printf-style, '%1000000000d' % 1
            _check_widths("'%'", right if isinstance(right, tuple) else (right,), left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str | bytes | list | tuple):
            name = getattr(__obj, "__name__", "method")  # 'a'.ljust(10**9)
            _check_widths(f".{name}()", (*args, *kwargs.values()))
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` as the sandbox offers it, after its widths are checked:
        ``'{:>1000000000}'.format(1)``."""
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            _check_widths(".format()", (), owner)
        return super().wrap_str_format(value)


_PADDING_FILTERS = ("center", "indent", "wordwrap", "truncate", "format")
_PERCENT = re.compile(r"%[#0 +\-]*(\d*)(?:\.(\d*))?")


def _check_widths(what: str, arguments: tuple[Any, ...], fmt: str = "") -> None:
    """Refuse a width (an argument, or a number in a format string) over MAX_OUTPUT."""
    numbers = [a for a in arguments if _is_int(a)]
    numbers += [int(d) for pair in _PERCENT.findall(fmt) for d in pair if d]
    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(fmt) if spec]
    except ValueError:  # not a format string: format() will say so
        specs = []
    numbers += [int(d) for spec in specs for d in re.findall(r"\d+", spec)]
    if any(n > MAX_OUTPUT for n in numbers):
        raise SecurityError(f"{what} with a width over {MAX_OUTPUT:,} is refused")


def _widths_bounded(what: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in (*args, *kwargs.values()) if not hasattr(a, "environment")]
        first = values[0] if values and isinstance(values[0], str) else ""
        _check_widths(what, tuple(values[1:]), first if what == "|format" else "")
        return function(*args, **kwargs)

    return call


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
