"""How much a reply template may make: bounds that keep one template from stalling
the server or filling its memory (the CPU budget itself is ``budgets.template``).

Jinja2's sandbox keeps a template away from files, modules and private attributes,
and caps ``range()``; it does not bound the size of what a template builds. Here:
``*`` and ``**`` are checked before they run (``'a' * 10**9``, ``10 ** 10**9``), the
output is counted as it is rendered, and faker's size arguments (``length``, ``nb``,
``max_nb_chars`` ...) are capped, as are widths given to padding methods and filters
(``'a'.ljust(10**9)``, ``|center``, ``'{:>1000000000}'.format``, ``'%*d' %``). ``lipsum``
is not offered: faker writes prose, and ``lipsum(1000)`` took seconds.

What grows is charged to the render's budget (``budgets.template.charge``) before it is
made: ``*`` and ``+`` on strings and lists, ``~`` (a code generator that routes it
through ``bounded_concat``), integer ``*`` and ``**`` by the result's bits, the string
methods that grow (``translate``, ``expandtabs``, ``replace``, ``join``), the filters
that print or join a value (``string``, ``join``, ``sum``, ``tojson`` ...), each value
printed (``finalize``), and what macros and faker return.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
from collections.abc import Callable
from typing import Any

from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from fakeopenai.budgets.template import MAX_INT_BITS, charge, weight

MAX_OUTPUT = 200_000  # characters one template may make (its * results too)
MAX_SIZE = 10_000  # a faker size argument: characters, words, sentences, items
MAX_EXPONENT = 1_000  # an integer power, past which the number alone takes seconds
# faker's parameters that set how much it makes (not a value's range, like max_value)
_SIZE_PARAMETERS = frozenset(
    {
        "length", "nb", "nb_words", "nb_sentences", "nb_elements", "max_nb_chars",
        "max_chars", "min_chars", "digits", "left_digits", "right_digits", "nb_texts",
        "depth", "count", "levels", "num_files", "num_rows", "uncompressed_size",
        "min_file_size",
    }
)  # fmt: skip


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja2's code generator with ``~`` routed through ``Sandbox.bounded_concat``
    (Jinja2 compiles it to a plain ``str_join``, which no sandbox hook sees)."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with ``*``, ``+``, ``**`` and ``%`` bounded (intercepted
    operators are not folded at compile time either, so a constant ``'a' * 10**9`` is
    caught too), ``~``, the padding methods and filters (``ljust``, ``center``, format
    widths...) and the methods and filters that grow a value."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_printed, **options)
        for name in _PADDING_FILTERS:
            self.filters[name] = _widths_bounded(f"|{name}", self.filters[name])
        for name in _PRINTING_FILTERS:
            self.filters[name] = _weighed(f"|{name}", self.filters[name])

    def bounded_concat(self, values: tuple[Any, ...]) -> str:
        """``a ~ b ~ c``: each printed (``_printed``), the whole charged, then joined."""
        texts = [str(_printed(value)) for value in values]
        charge(sum(map(len, texts)), "'~'")
        return "".join(texts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if _is_int(left) and _is_int(right):
                _check_bits("'*'", left.bit_length() + right.bit_length())
            else:
                charge(_repeat_size(left, right), "'*'")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                charge(weight(left) + weight(right), "'+'")
        elif operator == "**":
            if _big_power(left, right):
                raise SecurityError(f"'**' with an exponent above {MAX_EXPONENT:,} is refused")
            if _is_int(left) and _is_int(right) and right > 0:
                _check_bits("'**'", left.bit_length() * right)
        elif isinstance(left, str):  # '%': printf-style, '%1000000000d' % 1
            _check_widths("'%'", right if isinstance(right, tuple) else (right,), left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str | bytes | list | tuple):
            name = getattr(__obj, "__name__", "method")  # 'a'.ljust(10**9)
            _check_widths(f".{name}()", (*args, *kwargs.values()))
            if isinstance(owner, str):
                charge(_str_method_size(owner, name, args, kwargs), f".{name}()")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(owner, str | bytes | list | tuple) or isinstance(__obj, Macro):
            charge(weight(result), "a macro" if isinstance(__obj, Macro) else "a method")
        return result

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
            return weight(seq) * max(int(times), 0)  # [s] * n prints s n times
    return 0


def _check_bits(what: str, bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SecurityError(
            f"{what} would make an integer of about {bits:,} bits (at most {MAX_INT_BITS:,})"
        )


def _str_method_size(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """What a growing string method would make, before it runs (0: it does not grow)."""
    given = (*args, *kwargs.values())
    if name == "expandtabs":
        tab = given[0] if given and _is_int(given[0]) else 8
        return len(text) + text.count("\t") * max(tab, 0)
    if name == "translate" and given and isinstance(given[0], dict):
        longest = max((len(v) for v in given[0].values() if isinstance(v, str)), default=1)
        return len(text) * max(longest, 1)
    if name == "replace" and len(given) >= 2 and isinstance(given[0], str):
        old, new = given[0], given[1]
        if not isinstance(new, str):
            return 0
        times = text.count(old) if old else len(text) + 1
        if len(given) > 2 and _is_int(given[2]) and given[2] >= 0:
            times = min(times, given[2])
        return len(text) + times * max(len(new) - len(old), 0)
    if name == "join" and given and isinstance(given[0], list | tuple):
        return weight(given[0]) + len(text) * len(given[0])
    return 0


def _printed(value: Any) -> Any:
    """Each value a template prints (``{{ x }}``, ``~``), weighed before ``str()``: a
    list of 100,000 references to one long string is cheap to hold, not to print."""
    if not isinstance(value, str | int | float | bool | type(None)):
        size = weight(value)
        if size > MAX_OUTPUT:
            charge(size, "printing a value")
    return value


# Filters that print, join or add up their input: weighed first.
_PRINTING_FILTERS = ("string", "join", "sum", "tojson", "pprint", "list", "replace", "urlize")


def _weighed(what: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in (*args, *kwargs.values()) if not hasattr(a, "environment")]
        charge(sum(weight(v) for v in values), what)
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple):
            charge(weight(result), what)
        return result

    return call


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
        result = method(*args, **kwargs)
        charge(weight(result), f"faker.{name}()")
        return result

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
