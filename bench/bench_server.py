"""Throughput: fakeopenai vs a bare Starlette JSON endpoint, in the same run.

Every server runs under uvicorn (same settings) in its own process; a small asyncio
HTTP/1.1 keep-alive load loop (raw sockets, so the client costs little) sends the same
non-streamed chat request to each, for the same time, over the same connections. Two
bare endpoints, both parsing the request body and answering the same chat.completion
with the same headers:

- "bare JSON": a ``JSONResponse`` of the completion object, as any JSON endpoint would
  (the comparison the target is set against);
- "bare bytes": the completion's bytes precomputed once, the floor of Starlette itself.

It prints requests per second, the server's CPU time per request, and the ratios.

    python bench/bench_server.py [--seconds 15] [--slice 1] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_pacing import cpu_seconds  # (this folder is on sys.path: scripts run from it)

BODY = json.dumps(
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
).encode()
SCENARIO = """
name: bench
rules:
  - name: capital
    match: {last_user: capital}
    reply: {content: "The capital of France is Paris."}
"""


def serve_bare(port: int, kind: str) -> None:
    """A bare Starlette endpoint: parse the JSON body, return the chat.completion and
    headers fakeopenai sends, so the ratio is fakeopenai's own cost — matching,
    generation, journaling — not a difference in response size."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    completion = {
        "id": "chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N",
        "object": "chat.completion",
        "created": 1753357765,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The capital of France is Paris.",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 14,
            "completion_tokens": 7,
            "total_tokens": 21,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_b3f1157249",
    }
    answer = json.dumps(completion).encode()
    headers = {  # the header set a fakeopenai answer carries (a real answer's)
        "x-request-id": "req_9dd15267592c52419a1448efd25dc44a",
        "openai-version": "2020-10-01",
        "openai-processing-ms": "1",
        "openai-organization": "fakeopenai",
        "openai-project": "proj_fakeopenai",
        "access-control-expose-headers": "X-Request-ID",
        "x-content-type-options": "nosniff",
        "x-ratelimit-limit-requests": "30000",
        "x-ratelimit-limit-tokens": "150000000",
        "x-ratelimit-remaining-requests": "29999",
        "x-ratelimit-remaining-tokens": "149999986",
        "x-ratelimit-reset-requests": "2ms",
        "x-ratelimit-reset-tokens": "0s",
    }

    async def chat_bytes(request: Request) -> Response:
        await request.json()  # parse the body, as any real endpoint would
        return Response(answer, 200, headers, media_type="application/json")

    async def chat_json(request: Request) -> Response:
        await request.json()
        return JSONResponse({**completion, "created": int(time.time())}, 200, headers)

    chat = chat_json if kind == "bare-json" else chat_bytes
    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def serve_fake(port: int, scenario: str) -> None:
    import uvicorn

    from fakeopenai import create_app
    from fakeopenai.serving import settle_heap, stamping_protocol

    app = create_app(scenario)
    settle_heap(app)  # as fakeopenai serve does, and its protocol (see stamping_protocol)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        access_log=False,
        http=stamping_protocol(),
    )


async def _connection(port: int, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        b"content-type: application/json\r\nauthorization: Bearer sk-bench\r\n"
        b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
    )
    while time.perf_counter() < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode(errors="replace"))
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        counts[0] += 1
    writer.close()


async def _load(port: int, seconds: float, connections: int) -> float:
    counts = [0]
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(_connection(port, deadline, counts) for _ in range(connections)))
    return counts[0] / (time.perf_counter() - start)


def _wait_ready(port: int) -> None:
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


KINDS = {
    "bare-bytes": "bare endpoint, bytes",
    "bare-json": "bare JSON endpoint",
    "fake": "fakeopenai (scripted)",
}


def run(seconds: float, slice_s: float, connections: int, port: int, scenario: str) -> None:
    """All three servers run at once (an idle one costs nothing); the load visits them
    in turn, ``slice_s`` at a time, so the machine's drift (this VM's speed moves by
    ±30 % over minutes) hits them alike."""
    ports = {kind: port + i for i, kind in enumerate(KINDS)}

    def command(kind: str) -> list[str]:
        return [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--port",
            str(ports[kind]),
            "--scenario",
            scenario,
        ]

    servers = {kind: subprocess.Popen(command(kind)) for kind in KINDS}
    try:
        for kind in KINDS:
            _wait_ready(ports[kind])
        for kind in KINDS:  # warm-up (fakeopenai also warms its generators in a thread)
            asyncio.run(_load(ports[kind], 2.0, connections))
        done = dict.fromkeys(KINDS, 0.0)
        cpu = dict.fromkeys(KINDS, 0.0)
        slices: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(max(1, round(seconds / slice_s))):
            for kind in KINDS:
                before = cpu_seconds(servers[kind].pid)
                rate = asyncio.run(_load(ports[kind], slice_s, connections))
                cpu[kind] += cpu_seconds(servers[kind].pid) - before
                done[kind] += rate * slice_s
                slices[kind].append(rate)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    print(
        f"non-streamed chat, {connections} connections, {seconds:g} s each in {slice_s:g} s turns"
    )
    print(f"  {'':24}{'req/s':>8}  {'server CPU per request':>24}")
    for kind, label in KINDS.items():
        print(f"  {label:<24}{done[kind] / seconds:8.0f}  {cpu[kind] / done[kind] * 1e6:21.0f} us")
    for kind in ("bare-json", "bare-bytes"):
        turns = sorted(f / b for f, b in zip(slices["fake"], slices[kind], strict=True))
        middle = turns[len(turns) // 2]
        print(
            f"  ratio vs {KINDS[kind]:<20}: {done['fake'] / done[kind]:.2f}"
            f" (turns: median {middle:.2f}, range {turns[0]:.2f}-{turns[-1]:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="load per server")
    parser.add_argument("--slice", type=float, default=1.0, help="length of one turn")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--serve", choices=list(KINDS))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default="")
    args = parser.parse_args()
    if args.serve in ("bare-bytes", "bare-json"):
        return serve_bare(args.port, args.serve)
    if args.serve == "fake":
        return serve_fake(args.port, args.scenario)
    with tempfile.TemporaryDirectory() as folder:
        scenario = os.path.join(folder, "bench.yaml")
        Path(scenario).write_text(SCENARIO)
        run(args.seconds, args.slice, args.connections, args.port, scenario)


if __name__ == "__main__":
    main()
