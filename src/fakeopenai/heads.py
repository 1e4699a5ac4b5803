"""A response head checked in a few C calls instead of a Python loop per header.

uvicorn (httptools) writes a response head by looping over every header in Python: two
regular-expression searches (name, value), a ``lower()``, three comparisons and a list
extend per header. An API answer carries 15 headers and the server's 2 (``date``,
``server``), and that loop cost more than any single step of answering the request.

``Head`` is the header list of an answer whose body is known whole (``JsonBody``): the
same ASGI pairs, so any server sends it as usual, plus what the server needs to know
about it (its ``content-length``, no ``connection`` or ``transfer-encoding`` header).
``encoded`` writes the header lines of ``defaults + head`` as uvicorn would, bytes for
bytes, with the same checks made once over all names and once over all values (a
forbidden byte found in the joined names is in one of them); ``None`` if a check fails,
so the caller falls back to the server's own path, which raises its own error.
``cycle`` installs it in uvicorn's request cycle.
"""

from __future__ import annotations

import re

# uvicorn's checks (uvicorn.protocols.http.httptools_impl), the same patterns
HEADER_RE = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
HEADER_VALUE_RE = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")
# ... as the bytes they let through, for ``bytes.translate``, which deletes those and
# leaves what is left to refuse: one C loop over all names (upper case refused too:
# uvicorn would lower it) and one over all values, cheaper than a search per header.
_NAME_OK = bytes(b for b in range(256) if not HEADER_RE.match(bytes([b])) and not 65 <= b <= 90)
_VALUE_OK = bytes(b for b in range(256) if not HEADER_VALUE_RE.match(bytes([b])))
_line = b": ".join  # (name, value) -> b"name: value"


class Head(list[tuple[bytes, bytes]]):
    """ASGI header pairs of an answer of ``length`` body bytes: one ``content-length``
    (of ``length``), neither ``connection`` nor ``transfer-encoding`` (``JsonBody``
    builds it only so; ``encoded`` checks it)."""

    __slots__ = ("length",)
    length: int  # (set by the maker: no __init__ of its own, list's is C)


def encoded(defaults: list[tuple[bytes, bytes]], head: Head) -> bytes | None:
    """The header lines of ``defaults + head`` (each ``name: value\\r\\n``), as uvicorn
    writes them; ``None`` when a name or value is one uvicorn refuses, a name is not
    lower case, or a name would change how uvicorn frames the answer."""
    pairs = defaults + head
    names, values = zip(*pairs, strict=False)  # (pairs: all of two)
    # "/" passes HEADER_RE: between two of them, each name is found whole
    joined = b"/%s/" % b"/".join(names)
    if (
        joined.translate(None, _NAME_OK)
        or b"".join(values).translate(None, _VALUE_OK)
        or b"/connection/" in joined
        or b"/transfer-encoding/" in joined
        or joined.count(b"/content-length/") != 1
    ):
        return None
    return b"\r\n".join(map(_line, pairs)) + b"\r\n"
