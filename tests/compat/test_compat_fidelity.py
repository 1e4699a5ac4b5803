"""WIRE.md §9 through the official openai Node SDK (node/fidelity_flows.mjs): what
recorded api.openai.com traffic showed, as a Node client sees it (the Python side is
tests/test_fidelity_recorded_*.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fakeopenai import FakeOpenAI

SCENARIO = "fidelity.yaml"
JOKE = "Why did the scarecrow win an award? Because he was outstanding in his field!"


@pytest.fixture(scope="module")
def flow(node_script: Callable[[str], Any]) -> Any:
    return node_script("fidelity_flows.mjs")


def test_snapshot_and_a_real_header_set(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("chat", fake)
    assert result["model"] == "gpt-4o-2024-08-06"
    assert result["fingerprint"].startswith("fp_")
    headers = result["headers"]
    assert headers["x-ratelimit-limit-requests"] == "30000"
    assert headers["x-ratelimit-remaining-requests"] == "29999"
    assert headers["x-ratelimit-reset-requests"] == "2ms"
    assert headers["openai-organization"] == "fakeopenai"
    assert headers["openai-project"] == "proj_fakeopenai"
    assert headers["x-content-type-options"] == "nosniff"


def test_gpt5_stream_is_padded_without_logprobs_or_fingerprint(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("stream", fake)
    assert result["models"] == ["gpt-5-2025-08-07"]
    assert result["fingerprints"] == [None]
    assert result["padded"] == result["chunks"] > 2
    assert result["logprobsKeys"] == 0


def test_parallel_calls_assemble_with_fresh_ids(flow: Any, fake: FakeOpenAI) -> None:
    ids = flow("parallel", fake)["ids"]
    assert len(ids) == 4 and len(set(ids)) == 4  # two calls a response, never repeated
    assert all(i.startswith("call_") for i in ids)


def test_responses_lifecycle_as_recorded(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("responses", fake)
    assert (result["model"], result["text"]) == ("gpt-5-2025-08-07", JOKE)
    assert result["phase"] == "final_answer"
    assert result["reasoning"]["context"] == "current_turn"
    assert result["lifecycle"] == [
        {"type": "response.created", "tier": "auto", "billing": False},
        {"type": "response.in_progress", "tier": "auto", "billing": False},
        {"type": "response.completed", "tier": "default", "billing": True},
    ]
