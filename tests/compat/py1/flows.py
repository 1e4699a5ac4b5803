"""openai-python 1.x flows, run inside the suite's own 1.x venv (tests/compat/.work/py1).

Usage: ``python flows.py FLOW BASE_URL`` prints one JSON line ``{ok, flow, result |
error, blocked, openai}``; with no arguments it is a worker that reads one ``FLOW
BASE_URL`` line per flow on stdin (tests/compat/workers.py). The pytest side
(test_compat_openai_py1.py, in the main venv where the fake runs) asserts on it and on
the fake's journal. Only openai 1.x and httpx are installed in that venv, so this file
imports nothing else but the stdlib and netguard.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from netguard import NetworkGuard

GUARD = NetworkGuard().install()

import httpx  # noqa: E402
import openai  # noqa: E402

MODEL = "gpt-4o-mini"
API_KEY = "sk-fakeopenai"
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


def client(base_url: str, **options: Any) -> openai.OpenAI:
    """A strict client: every response must validate against 1.x's own models."""
    options.setdefault("max_retries", 0)
    return openai.OpenAI(
        base_url=base_url, api_key=API_KEY, _strict_response_validation=True, **options
    )


def chat(base_url: str) -> dict[str, Any]:
    completion = client(base_url).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hello, who are you?"}]
    )
    choice = completion.choices[0]
    return {
        "id": completion.id,
        "object": completion.object,
        "content": choice.message.content,
        "role": choice.message.role,
        "finish_reason": choice.finish_reason,
        "service_tier": completion.service_tier,
        "usage": completion.usage.model_dump() if completion.usage else None,
        "request_id": completion._request_id,
    }


def stream(base_url: str) -> dict[str, Any]:
    chunks = list(
        client(base_url).chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hello, who are you?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    return {
        "pieces": [d.content for d in deltas if d.content],
        "roles": [d.role for d in deltas if d.role],
        "finish": [c.choices[0].finish_reason for c in chunks if c.choices],
        "ids": sorted({c.id for c in chunks}),
        "last_choices": [c.model_dump() for c in chunks[-1].choices],
        "usage": chunks[-1].usage.model_dump() if chunks[-1].usage else None,
    }


def tool(base_url: str) -> dict[str, Any]:
    """Stream helper → tool call → tool result → answer (a two-turn agent loop)."""
    sdk = client(base_url)
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    with sdk.chat.completions.stream(
        model=MODEL, messages=messages, tools=[WEATHER_TOOL]
    ) as events:
        final = events.get_final_completion()
    message = final.choices[0].message
    call = (message.tool_calls or [])[0]
    messages.append(message.model_dump(exclude_none=True, exclude={"parsed"}))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"celsius": 21}'})
    answer = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    return {
        "finish_reason": final.choices[0].finish_reason,
        "call": {
            "id": call.id,
            "type": call.type,
            "name": call.function.name,
            "arguments": call.function.arguments,
            "parsed_arguments": call.function.parsed_arguments,
        },
        "answer": answer.choices[0].message.content,
        "answer_finish_reason": answer.choices[0].finish_reason,
    }


def retry(base_url: str) -> dict[str, Any]:
    started = time.perf_counter()
    completion = client(base_url, max_retries=2).chat.completions.create(
        model="flaky-model", messages=[{"role": "user", "content": "Are you there?"}]
    )
    return {
        "content": completion.choices[0].message.content,
        "seconds": round(time.perf_counter() - started, 3),
    }


def disconnect(base_url: str) -> dict[str, Any]:
    pieces: list[str] = []
    try:
        for chunk in client(base_url).chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Tell me a story"}],
            stream=True,
        ):
            pieces.extend(c.delta.content for c in chunk.choices if c.delta.content)
    except Exception as exc:  # the class is the result under test
        return {
            "raised": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "is_httpx_protocol_error": isinstance(exc, httpx.RemoteProtocolError),
            "is_openai_error": isinstance(exc, openai.OpenAIError),
            "message": str(exc),
            "pieces": pieces,
        }
    return {"raised": None, "pieces": pieces}


FLOWS: dict[str, Callable[[str], dict[str, Any]]] = {
    f.__name__: f for f in (chat, stream, tool, retry, disconnect)
}

# One flow per rule of scenarios/sse_options.yaml, named by its model: chat and
# Responses streams under each `sse:` wire option (test_compat_sse_options.py).
SSE_MODELS = (
    "sse-plain", "sse-crlf", "sse-cr", "sse-comments", "sse-split-1", "sse-split-7",
    "sse-coalesce", "sse-all",
)  # fmt: skip


def _attempt(action: Callable[[], str]) -> dict[str, Any]:
    try:
        return {"text": action()}
    except Exception as exc:  # the cell of the table
        return {"error": type(exc).__name__, "message": str(exc)}


def _sse_flow(model: str) -> Callable[[str], dict[str, Any]]:
    def flow(base_url: str) -> dict[str, Any]:
        sdk = openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=10)
        say: Any = [{"role": "user", "content": "say it"}]

        def chat_text() -> str:
            chunks = sdk.chat.completions.create(model=model, messages=say, stream=True)
            return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

        def responses_text() -> str:
            events = sdk.responses.create(model=model, input="say it", stream=True)
            return "".join(e.delta for e in events if e.type == "response.output_text.delta")

        return {"chat": _attempt(chat_text), "responses": _attempt(responses_text)}

    return flow


FLOWS.update({model: _sse_flow(model) for model in SSE_MODELS})


def run_one(flow: str, base_url: str) -> str:
    """Run one flow; its JSON line."""
    GUARD.blocked.clear()
    out: dict[str, Any] = {"flow": flow, "openai": openai.__version__}
    try:
        out.update(ok=True, result=FLOWS[flow](base_url))
    except Exception as exc:  # reported to the pytest side, which fails with it
        out.update(ok=False, error={"name": type(exc).__qualname__, "message": str(exc)})
    out["blocked"] = list(GUARD.blocked)
    return json.dumps(out, default=str)


def main(argv: list[str]) -> None:
    if argv:
        print(run_one(*argv))
        return
    for line in sys.stdin:
        if line.strip():
            print(run_one(*line.split()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
