"""``PiecesBody``: a large JSON body made and sent piece by piece (2,048 embeddings)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import anyio.to_thread

from fakeopenai.journal import Entry
from fakeopenai.respond import encode_headers


class PiecesBody:
    """A large body made piece by piece in worker threads as the client reads it (chunked
    transfer): 2,048 embeddings of 3,072 floats are 130 MB of JSON, which held whole
    (and copied into the transport's buffer) would cost several times that in memory.
    ``send`` waits while the client is slow, so at most a batch is held at a time; a
    client that leaves stops the making (the server's ``send`` would drop the rest
    silently) and is journaled as gone."""

    BATCH = 256 * 1024  # bytes made per trip to a worker thread

    def __init__(
        self,
        pieces: Iterator[bytes],
        status: int,
        headers: Mapping[str, str],
        raw: Sequence[tuple[bytes, bytes]] = (),
        *,
        entry: Entry,
    ) -> None:
        self.pieces = pieces
        self.status_code = status
        self.entry = entry
        self.raw_headers = [
            *encode_headers({**headers, "content-type": "application/json"}),
            *raw,
        ]

    def _batch(self) -> bytes:
        made: list[bytes] = []
        size = 0
        for piece in self.pieces:
            made.append(piece)
            size += len(piece)
            if size >= self.BATCH:
                break
        return b"".join(made)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        gone = asyncio.Event()

        async def watch() -> None:  # the request is read: what comes next is a disconnect
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.ensure_future(watch())
        entry = self.entry
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            entry.status = self.status_code
            while not gone.is_set() and (batch := await anyio.to_thread.run_sync(self._batch)):
                await send({"type": "http.response.body", "body": batch, "more_body": True})
            if gone.is_set():
                entry.client_disconnected = True
                return
            await send({"type": "http.response.body", "body": b""})
            entry.completed = True
        finally:
            watcher.cancel()
