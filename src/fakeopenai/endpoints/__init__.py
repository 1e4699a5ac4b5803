"""One module per API family: request validation, the request view, and the wire body
or stream frames of a reply. ``fakeopenai.handler`` does everything the families share
(routing, guards, rule selection, latency, faults, journaling)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fakeopenai.filled import Filled
from fakeopenai.record import record
from fakeopenai.scenario import Reply
from fakeopenai.view import RequestView
from fakeopenai.wire.sse import Frame


@record
class Turn:
    """One request being answered: what was asked, the rule's reply, the filled answer."""

    view: RequestView
    reply: Reply
    filled: Filled
    seed: int | None = None  # the scenario's (or server's) seed, for generated vectors
    # Responses: the response and item ids, made once when the answer is also stored
    # (``ResponsesEndpoint.with_ids``), so the stored copy and the wire agree.
    ids: Any = None


class Endpoint(Protocol):
    """What an API family provides to the app."""

    name: str

    def validate(self, body: Mapping[str, Any]) -> None:
        """Raise ``respond.ApiError`` (400) for what the real API refuses."""

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        """The endpoint-neutral view rules match on."""

    def body(self, turn: Turn) -> dict[str, Any]:
        """The non-streamed JSON object."""

    def frames(self, turn: Turn) -> Sequence[Frame]:
        """Every frame of the streamed answer."""
