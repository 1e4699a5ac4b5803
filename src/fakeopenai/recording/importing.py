"""``fakeopenai import``: VCR cassettes → the rules ``record`` writes.

A cassette is ``{interactions: [{request, response}], version}``. The request layout is
vcrpy's everywhere (``method``, ``uri``, ``headers``, ``body``); the response layout
depends on the HTTP library that recorded it, one module each: ``cassette_requests``
(requests/urllib3, and httpx since vcrpy 6), ``cassette_httpx`` (older httpx) and
``cassette_aiohttp``. Interactions that are not OpenAI API calls are skipped, each with
a note naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from fakeopenai.guards import route
from fakeopenai.recording import cassette_aiohttp, cassette_httpx, cassette_requests, vcryaml
from fakeopenai.recording.cassette_common import RawResponse, body_bytes, decoded, header_map
from fakeopenai.recording.convert import convert
from fakeopenai.recording.exchange import Exchange, split_body
from fakeopenai.recording.recfile import RecordingFile

# Tried in order: aiohttp's layout is requests' plus ``url``, so it goes first.
FORMATS: tuple[ModuleType, ...] = (cassette_aiohttp, cassette_httpx, cassette_requests)


def import_cassettes(paths: list[str], recording: RecordingFile) -> tuple[int, list[str]]:
    """Add every OpenAI exchange in the cassettes at ``paths`` to ``recording``;
    (exchanges added, notes on what was skipped). ValueError for a file that is not a
    cassette."""
    added, notes = 0, []
    for path in paths:
        document = vcryaml.load(Path(path).read_text(encoding="utf-8"))
        interactions = document.get("interactions") if isinstance(document, dict) else None
        if not isinstance(interactions, list):
            raise ValueError(f"{path}: not a VCR cassette (no interactions list)")
        for number, interaction in enumerate(interactions, 1):
            where = f"{path} interaction {number}"
            try:
                exchange = exchange_of(interaction)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                notes.append(f"{where}: {exc}")
                continue
            if isinstance(exchange, str):
                notes.append(f"{where}: {exchange}")
                continue
            redactor = recording.redactor
            redactor.note_headers(header_map(interaction["request"].get("headers")))
            exchange.request = redactor.body(exchange.request)
            exchange.body = redactor.body(exchange.body)
            for frame in exchange.frames:
                frame.data = redactor.frame(frame.data)
            recorded = convert(exchange)
            if recorded.key is None and not recorded.models:
                notes.append(f"{where}: {recorded.note}")
                continue
            recording.add(recorded)
            added += 1
    return added, notes


def exchange_of(interaction: dict[str, Any]) -> Exchange | str:
    """One interaction as an ``Exchange``, or why it is not one."""
    request, response = interaction["request"], interaction["response"]
    method = str(request.get("method", "GET")).upper()
    uri = str(request.get("uri", ""))
    parts = urlsplit(uri)
    routed = route(method, _api_path(parts.path))
    if routed is None:
        return f"{method} {uri} is not an OpenAI API call"
    endpoint, deployment, model_id = routed
    raw = _response(response)
    sent = _json(body_bytes(request.get("body")))
    headers = dict(raw.headers)
    body = decoded(raw.body, headers.pop("content-encoding", None))
    exchange = Exchange(
        method,
        endpoint,
        sent if isinstance(sent, dict) else None,
        raw.status,
        headers,
        deployment=deployment,
        model_id=model_id,
    )
    if exchange.streamed:
        exchange.frames = split_body(body.decode("utf-8", "replace"))
    else:
        exchange.body = _json(body)
    return exchange


def _api_path(path: str) -> str:
    """The path from its API prefix on: a gateway's own prefix in front is dropped."""
    for prefix in ("/openai/", "/v1/"):
        at = path.find(prefix)
        if at > 0:
            return path[at:]
    return path


def _response(response: dict[str, Any]) -> RawResponse:
    for layout in FORMATS:
        if layout.detect(response):
            found: RawResponse = layout.read(response)
            return found
    raise ValueError("a response in no cassette layout fakeopenai knows")


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
