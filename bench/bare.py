"""The bare Starlette endpoints ``bench_server.py`` compares fakeopenai with.

    python bench/bare.py json|sse plain|fast --port PORT

``json``: parse the request body, answer a ``JSONResponse`` of the chat.completion and
the headers fakeopenai sends (what any JSON endpoint does). ``sse``: a
``StreamingResponse`` of the same chunk frames as fakeopenai's 100-piece stream, one
frame per piece. ``plain``: uvicorn on h11 and asyncio; ``fast``: httptools and uvloop.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator

CONTENT = "The capital of France is Paris."
PIECES = [f"w{i} " for i in range(100)]
HEADERS = {
    "x-request-id": "req_9dd15267592c52419a1448efd25dc44a",
    "openai-version": "2020-10-01",
    "openai-processing-ms": "1",
}
USAGE = {
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
}


def completion() -> dict[str, object]:
    return {
        "id": "chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": CONTENT,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
        "service_tier": "default",
        "system_fingerprint": "fp_b3f1157249",
    }


def frame(delta: dict[str, object], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "gpt-4o",
        "service_tier": "default",
        "system_fingerprint": "fp_b3f1157249",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    async def frames() -> AsyncIterator[bytes]:
        yield frame({"role": "assistant", "content": "", "refusal": None})
        for piece in PIECES:
            yield frame({"content": piece})
        yield frame({}, "stop")
        yield b"data: [DONE]\n\n"

    async def chat(request: Request) -> Response:
        body = await request.json()  # parse the body, as any real endpoint would
        if body.get("stream"):
            return StreamingResponse(frames(), headers=HEADERS, media_type="text/event-stream")
        return JSONResponse(completion(), 200, HEADERS)

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["json", "sse"])  # (one app serves both)
    parser.add_argument("stack", choices=["plain", "fast"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    http, loop = ("h11", "asyncio") if args.stack == "plain" else ("httptools", "uvloop")
    uvicorn.run(
        app(),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=args.port,
        http=http,
        loop=loop,
        log_level="error",
        access_log=False,
    )


if __name__ == "__main__":
    main()
