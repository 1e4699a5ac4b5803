"""What the cassette formats share: header maps (a value or a list of values), bodies
(text, bytes, a JSON mapping, or nothing), and decompression by ``content-encoding``."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any


@dataclass
class RawResponse:
    """A response as a cassette holds it."""

    status: int
    headers: dict[str, str]  # lower-case names, values joined by ", "
    body: bytes


def header_map(headers: Any) -> dict[str, str]:
    """``{Name: [v1, v2]}`` or ``{Name: v}`` → ``{name: "v1, v2"}``."""
    if not isinstance(headers, dict):
        return {}
    found = {}
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        found[str(name).lower()] = ", ".join(str(v) for v in values)
    return found


def body_bytes(raw: Any) -> bytes:
    """A cassette body (text, bytes, a mapping dumped as YAML, None) as bytes."""
    if raw is None:
        return b""
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, dict | list):
        return json.dumps(raw).encode()
    return str(raw).encode("utf-8", "surrogateescape")


def decoded(body: bytes, encoding: str | None) -> bytes:
    """``body`` decompressed as ``content-encoding`` says (gzip also when unsaid but
    recognisable by its magic bytes). Raises ValueError for what it cannot read."""
    kind = (encoding or "").strip().lower()
    if kind in ("gzip", "x-gzip") or (not kind and body.startswith(b"\x1f\x8b")):
        try:
            return gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise ValueError(f"a gzip body that does not decompress ({exc})") from None
    if kind == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if kind in ("", "identity"):
        return body
    raise ValueError(f"a body in content-encoding {kind!r}, which fakeopenai cannot read")
