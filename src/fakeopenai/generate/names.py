"""Reading a property name as a hint of what its value should look like.

``firstName``, ``first_name`` and ``First-Name`` all become ``["first", "name"]``; a
hint table entry matches when its key is the whole name joined by ``_`` or any one of
its words, and the first entry that matches wins (so ``company_name`` is a company, not a
person's name, because companies come first in the table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def words(name: str | None) -> list[str]:
    """The lower-case words of a property name."""
    if not name:
        return []
    return [w for w in _SPLIT.split(_CAMEL.sub("_", name).lower()) if w]


def lookup(name: str | None, table: Sequence[tuple[tuple[str, ...], T]]) -> T | None:
    """The value of the first table entry whose keys match ``name``, else ``None``."""
    parts = words(name)
    if not parts:
        return None
    whole = "_".join(parts)
    for keys, value in table:
        if any(key == whole or key in parts for key in keys):
            return value
    return None


def singular(name: str | None) -> str | None:
    """``tags`` → ``tag``, ``cities`` → ``city``: the hint for an array's items."""
    if not name:
        return name
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith(("sses", "xes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name
