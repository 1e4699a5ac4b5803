"""The app's own CPU per request, without a server: fakeopenai vs the bare endpoints.

Each ASGI app is called in a loop with a prepared scope, body and a ``send`` that drops
the messages, so what is timed is the app alone (routing, checks, matching, the answer,
the journal; Starlette's ``Request``/``JSONResponse`` for the bare ones). Steadier than
a server under load, it shows a change of a microsecond or two. The minimum of
``--runs`` runs of ``--requests`` requests each.

    python bench/bench_app.py [--requests 5000] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import bare  # (this folder is on sys.path: scripts run from it)
from workload import BODY, SCENARIO, STREAM_BODY


class Client:
    """One request's ``receive``: the body, then (like a client that stays) nothing."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = False

    async def __call__(self) -> dict[str, Any]:
        if not self.sent:
            self.sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await asyncio.Event().wait()  # (cancelled when the response is over)
        return {"type": "http.disconnect"}


def scope(body: bytes) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"authorization", b"Bearer sk-bench"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "headers": headers,
        "state": {},
        # as fakeopenai's own servers leave them (serving.stamping_protocol): when the
        # request arrived, and that the server times its body
        "fakeopenai.arrived": time.perf_counter(),
        "fakeopenai.body_timed": True,
    }


async def drop(message: dict[str, Any]) -> None:
    pass


async def serve(app: Any, body: bytes, count: int) -> None:
    for _ in range(count):
        await app(scope(body), Client(body), drop)


def per_request(app: Any, body: bytes, requests: int, runs: int) -> float:
    """Microseconds of CPU per request: the best of ``runs``."""
    asyncio.run(serve(app, body, requests // 5))  # warm-up
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        asyncio.run(serve(app, body, requests))
        best = min(best, (time.process_time() - started) / requests)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from fakeopenai import create_app

    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder, "bench.yaml")
        scenario.write_text(SCENARIO)
        fake = create_app(str(scenario))
        fake.state.warmed.wait()
        starlette = bare.app()
        body, stream = BODY.encode(), json.dumps(json.loads(STREAM_BODY)).encode()
        streams = max(1, args.requests // 20)
        rows = [
            (
                "bare Starlette JSON endpoint",
                per_request(starlette, body, args.requests, args.runs),
            ),
            ("fakeopenai, scripted reply", per_request(fake, body, args.requests, args.runs)),
            ("bare Starlette SSE, 100 pieces", per_request(starlette, stream, streams, args.runs)),
            ("fakeopenai stream, 100 pieces", per_request(fake, stream, streams, args.runs)),
        ]
    print(f"the app's CPU per request, best of {args.runs} runs")
    for label, micros in rows:
        print(f"  {label:34}{micros:8.1f} us")
    print(f"  fakeopenai - bare JSON endpoint: {rows[1][1] - rows[0][1]:+.1f} us")


if __name__ == "__main__":
    main()
