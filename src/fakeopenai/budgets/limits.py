"""The real API's request limits that also bound the fake's work, and its own bounds on
what it reads. Every number here is in docs/reference/limits.md."""

from __future__ import annotations

# POST embeddings (the API reference: "must not exceed the max input tokens for the model
# (8192 tokens for all embedding models) ... cannot be an empty string, and any array
# must be 2048 dimensions or less ... 300,000 tokens summed across all inputs").
MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_INPUT_TOKENS = 8192
MAX_EMBEDDING_REQUEST_TOKENS = 300_000

# Legacy completions: `prompt` arrays as long as the embeddings' inputs, and every
# prompt gets `n` choices; what one request may ask for in all (the API's own `n` cap).
MAX_PROMPTS = 2048
MAX_CHOICES = 128

# A request body above this many bytes is parsed, matched and answered in a worker
# thread: parsing and counting the tokens of a 1 MB prompt takes a second of CPU, which
# on the event loop would stall every other client (health checks included).
LARGE_BODY = 64 * 1024

# Scenario files and PUT bodies: what the loader reads and builds.
MAX_SCENARIO_BYTES = 32 * 1024 * 1024  # one file (a PUT has --max-body)
# A PUT body past this many bytes is parsed in a child process (budgets.process): libyaml
# holds the GIL for a whole scalar, ~20 ms per MB on this machine's loaded cores, and a
# child costs ~0.5-1 s of CPU to start.
PARSE_IN_CHILD_BYTES = 2 * 1024 * 1024
MAX_NESTING = 200  # levels of JSON nesting in a PUT (YAML has libyaml's own limit)
# Values a YAML document may stand for once its aliases are expanded, beyond what it
# writes out: a 1 KB "billion laughs" (nine anchors, each ten aliases of the last) is
# 10**9 values, which serialising it (GET /_fakeopenai/scenarios, the inspector) or
# validating ``match.json`` would build for real.
MAX_ALIAS_EXPANSION = 100_000
