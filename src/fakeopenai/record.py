"""``@record``: the dataclass decorator for the small immutable values of the hot path.

A request makes several of them (the rule decision, the filled answer and its usage, the
response's shared metadata, a stream's frames). ``@dataclass(frozen=True)`` would say what
they are, but its ``__init__`` sets every field through ``object.__setattr__``, three
times slower than a plain slotted dataclass: about 1 µs per object, several per request.
So a record is frozen where it matters, for the type checker (mypy rejects any
assignment to a field, through ``dataclass_transform``), and a plain slotted dataclass
with a field-based hash at run time (equal records hash equal, as frozen ones do).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
    def record(cls: type[T]) -> type[T]:
        """A frozen, slotted dataclass (as the type checker sees it)."""
        ...

else:

    def record(cls: type[Any]) -> type[Any]:
        """A slotted dataclass with a field-based hash, immutable by contract."""
        return dataclasses.dataclass(slots=True, unsafe_hash=True)(cls)
