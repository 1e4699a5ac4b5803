"""Row 5: templates on a budget, through a real server: each hostile template answers
an envelope naming the rule and the template, and the server stays responsive."""

from __future__ import annotations

import json

import httpx
import pytest
from harness import bounded, is_envelope

from cli_server import Served

HOSTILE = {
    "nested_loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "macro_twice": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
    "{% endmacro %}{{ f(40) }}",
    "power_squared": "{% set ns = namespace(x=10**1000) %}{% for i in range(40) %}"
    "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x > 0 }}",
    "faker_texts": "{{ faker.texts(nb_texts=10**6) }}",
    "faker_depth": "{{ faker.file_path(depth=10**6) }}",
    "tilde_doubling": "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "list_plus": "{% set ns = namespace(l=['abcdefgh' * 100]) %}{% for i in range(64) %}"
    "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}",
    "translate": "{% set ns = namespace(s='abc') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s.translate({97: 'aaaa', 98: 'bbbb'}) %}{% endfor %}{{ ns.s|length }}",
    "expandtabs": "{% set ns = namespace(s='\\t\\t') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s.expandtabs(100000) %}{% endfor %}{{ ns.s|length }}",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_template(scripted: Served, scripted_client: httpx.Client, name: str) -> None:
    served, client = scripted, scripted_client
    scenario = {"name": "templates", "rules": [{"name": name, "reply": {"content": HOSTILE[name]}}]}
    put = client.put(
        "/_fakeopenai/scenarios",
        content=json.dumps(scenario),
        headers={"content-type": "application/json"},
    )
    assert put.status_code == 200, put.text
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    outcome = bounded(served, lambda: client.post("/v1/chat/completions", json=body))
    answer = outcome.value
    assert is_envelope(answer), answer.text
    error = answer.json()["error"]
    assert error["type"] == "fakeopenai_template_error"
    assert name in error["message"] and "template" in error["message"]
