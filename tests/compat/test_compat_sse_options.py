"""The Node and openai-python 1.x columns of docs/reference/sse-options.md's client
table, measured: each ``sse:`` wire option (scenarios/sse_options.yaml, one rule per
option, chosen by the model name) streamed over Chat Completions and the Responses API
to the official openai Node SDK, the Vercel AI SDK and openai-python 1.x. The page must
say what was measured (sse_table.py); the openai-python 3.x columns are measured in
tests/test_sse_options.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sse_table import MODELS, documented, outcome

from fakeopenai import FakeOpenAI

SCENARIO = "sse_options.yaml"


@pytest.fixture(scope="module")
def flow(node_script: Callable[[str], Any]) -> Any:
    return node_script("sse_flows.mjs")


def _cells(run: Callable[[str], dict[str, Any]], prefix: str = "") -> dict[str, str]:
    cells = {}
    for model in MODELS:
        result = run(prefix + model)
        cells[model] = outcome(result["chat"], result["responses"])
    return cells


def test_openai_node_column(flow: Any, fake: FakeOpenAI) -> None:
    assert documented("openai-node") == _cells(lambda name: flow(name, fake))
    assert {entry.stream for entry in fake.requests} == {True}


def test_vercel_ai_column(flow: Any, fake: FakeOpenAI) -> None:
    assert documented("Vercel AI SDK") == _cells(lambda name: flow(name, fake), "vercel:")


def test_openai_python_1x_column(py1: Any, fake: FakeOpenAI) -> None:
    assert documented("openai-python 1.x") == _cells(lambda name: py1(name, fake))
