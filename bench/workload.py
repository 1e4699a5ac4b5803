"""What every benchmark asks: the same non-streamed chat request, the same 100-piece
stream, and the scenario that answers both (``bench_server``, ``bench_app``,
``bench_stack``)."""

from __future__ import annotations

import json

import bare  # (this folder is on sys.path: scripts run from it)

BODY = json.dumps(
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
)
STREAM_BODY = json.dumps(
    {
        "model": "gpt-4o-stream",
        "messages": [{"role": "user", "content": "Count to a hundred."}],
        "stream": True,
    }
)
SCENARIO = f"""
name: bench
rules:
  - name: stream
    match: {{model: gpt-4o-stream}}
    reply: {{chunks: {json.dumps(bare.PIECES)}}}
  - name: capital
    match: {{last_user: capital}}
    reply: {{content: "{bare.CONTENT}"}}
"""
