"""The floor ``bench_record.py`` compares ``fakeopenai record`` with: the streaming
proxy anyone would write on the same parts (Starlette, uvicorn on httptools and uvloop,
an httpx ``AsyncClient``), recording nothing.

    python bench/bare_proxy.py UPSTREAM_URL --port PORT

Every request goes to ``UPSTREAM_URL`` + its path after ``/v1``, and the answer comes
back as it arrives (``aiter_raw``). What ``fakeopenai record`` adds over this is what
recording costs; what this adds over the upstream served directly is what any Python
proxy on httpx costs on the machine.
"""

from __future__ import annotations

import argparse

HOP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


def app(upstream: str) -> object:
    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    client = httpx.AsyncClient(timeout=600.0)

    async def forward(request: Request) -> Response:
        url = upstream.rstrip("/") + "/" + request.path_params["rest"]
        headers = {k: v for k, v in request.headers.items() if k not in HOP}
        sent = client.build_request(
            request.method, url, headers=headers, content=await request.body()
        )
        answer = await client.send(sent, stream=True)
        back = {k: v for k, v in answer.headers.items() if k not in HOP}
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=back,
            background=BackgroundTask(answer.aclose),
        )

    return Starlette(routes=[Route("/v1/{rest:path}", forward, methods=["GET", "POST"])])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("upstream")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    print(f"bare proxy on http://127.0.0.1:{args.port}/v1", flush=True)
    uvicorn.run(
        app(args.upstream),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=args.port,
        http="httptools",
        loop="uvloop",
        log_level="error",
        access_log=False,
    )


if __name__ == "__main__":
    main()
