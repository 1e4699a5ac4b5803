"""Response headers a scenario may script: names and values HTTP can carry.

Checked when a scenario loads (``reply.headers``, ``error.headers``, ``ratelimit``), so
a bad one is a ``file:line`` issue, not a 500 or a dropped connection at request time:
names are HTTP tokens (sent lower-case), values printable ASCII without leading or
trailing blanks, and the headers that frame the body are fakeopenai's own.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


def _number_to_text(value: Any) -> Any:
    """Header values written as YAML numbers (``x-retry: 3``) mean their text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP field name (RFC 9110)
# Set by fakeopenai from the body it sends: scripted, they would contradict it.
_BROKEN_BODY = "for a short or broken body, use fault: {truncate_after: N} or {disconnect_after: N}"
_FIXED = {
    "content-length": _BROKEN_BODY,
    "transfer-encoding": _BROKEN_BODY,
    "content-encoding": "fakeopenai sends bodies uncompressed",
}
_VISIBLE = re.compile(r"[\x20-\x7e\t]*")  # what every client reads the same way
_PADDED = re.compile(r"^[ \t]|[ \t]$")  # HTTP trims these: h11 refuses to send them


def _header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        fixed = re.sub(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]+", "-", name.strip()).strip("-")
        hint = f" (e.g. {fixed!r})" if fixed else ""
        raise ValueError(f"{name!r} is not an HTTP header name: use letters, digits and '-'{hint}")
    if name.lower() in _FIXED:
        raise ValueError(
            f"{name!r} is set by fakeopenai from the body it sends: drop it"
            f" ({_FIXED[name.lower()]})"
        )
    return name.lower()  # as sent; and ``Content-Type`` replaces ours, not doubles it


def _header_value(value: str) -> str:
    if not _VISIBLE.fullmatch(value):
        bad = next(c for c in value if not _VISIBLE.fullmatch(c))
        raise ValueError(
            f"header value {value!r} has a character HTTP headers cannot carry: {bad!r}"
            f" (U+{ord(bad):04X}): write it in printable ASCII, or percent-encode it"
        )
    if _PADDED.search(value):
        raise ValueError(
            f"header value {value!r} starts or ends with a space or tab, which HTTP does"
            " not allow: trim it"
        )
    return value


HeaderText = Annotated[str, BeforeValidator(_number_to_text)]  # a request header's, to match
HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[HeaderText, AfterValidator(_header_value)]  # one we send
Headers = dict[HeaderName, HeaderValue]
