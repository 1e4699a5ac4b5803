"""The control API over real HTTP: journal, scenarios, reset, write guards, scenario headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from fakeopenai import FakeOpenAI

GREET = {
    "name": "greet",
    "rules": [
        {"name": "hello", "match": {"last_user": "hi"}, "reply": {"content": "Hello!"}},
        {
            "name": "steps",
            "match": {"last_user": "count"},
            "replies": [{"error": {"status": 429}, "retry_after_ms": 1}, {"content": "two"}],
        },
    ],
}
NEW_YAML = """\
name: fresh
rules:
  - name: always
    reply:
      content: from the new rules
"""
BROKEN_YAML = """\
name: broken
rules:
  - reply: {contnt: x}
  - match: {modl: gpt-4o}
    reply: {content: y}
"""


# One client for the module: httpx.post() builds a TLS context per call (~0.1 s).
HTTP = httpx.Client(timeout=5)


def chat(
    url: str, text: str = "hi", headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}], **extra}
    return HTTP.post(url + "/v1/chat/completions", json=body, headers=headers)


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    text: str = response.json()["choices"][0]["message"]["content"]
    return text


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(GREET, strict=False, max_body=4096) as running:
        yield running


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    server.load(GREET)  # a PUT may have replaced it
    server.reset()
    return server


@pytest.fixture(scope="module")
def control(server: FakeOpenAI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/_fakeopenai", timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def open_cors() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(GREET, cors_origins=["*"]) as running:
        yield running


def test_health_says_ok_with_counts(fake: FakeOpenAI, control: httpx.Client) -> None:
    chat(fake.url)
    body = control.get("/health").json()
    assert body["status"] == "ok"
    assert (body["scenarios"], body["requests"]) == (1, 1)


def test_requests_lists_the_journal_oldest_first_and_is_not_journaled(
    fake: FakeOpenAI, control: httpx.Client
) -> None:
    for text in ("hi one", "hi two", "zzz"):
        chat(fake.url, text)
    listed = control.get("/requests").json()
    assert [e["body"]["messages"][0]["content"] for e in listed] == ["hi one", "hi two", "zzz"]
    first = listed[0]
    assert (first["method"], first["path"], first["status"]) == (
        "POST",
        "/v1/chat/completions",
        200,
    )
    assert (first["scenario"], first["rule"], first["miss"]) == ("greet", "hello", None)
    assert listed[2]["miss"].startswith("fakeopenai: no rule matched this chat request")
    assert len(fake.requests) == 3  # the control calls above left no entry


def test_requests_filters(fake: FakeOpenAI, control: httpx.Client) -> None:
    for text in ("hi a", "hi b", "zzz", "hi c"):
        chat(fake.url, text, headers={"x-fakeopenai-session": "s1" if "hi" in text else "s2"})
    ids = [e.id for e in fake.requests]

    def texts(**params: Any) -> list[str]:
        response = control.get("/requests", params=params)
        assert response.status_code == 200, response.text
        return [e["body"]["messages"][0]["content"] for e in response.json()]

    assert texts(limit=2) == ["zzz", "hi c"]
    assert texts(since=ids[1]) == ["zzz", "hi c"]
    assert texts(since=ids[0], limit=1) == ["hi c"]
    assert texts(limit=0) == []
    assert texts(miss="true") == ["zzz"]
    assert texts(miss="false", scenario="greet") == ["hi a", "hi b", "hi c"]
    assert texts(session="s2") == ["zzz"]
    bad = control.get("/requests", params={"limit": "ten"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "?limit= must be a non-negative integer, got 'ten'"


def test_one_request_by_id(fake: FakeOpenAI, control: httpx.Client) -> None:
    chat(fake.url)
    entry = fake.requests.last
    body = control.get(f"/requests/{entry.id}").json()
    assert body["request_id"] == entry.request_id
    assert body["reply"]["content"] == "Hello!"
    missing = control.get("/requests/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "fakeopenai: no journal entry with id 999999"


def test_delete_requests_empties_the_journal(fake: FakeOpenAI, control: httpx.Client) -> None:
    chat(fake.url)
    chat(fake.url)
    assert control.delete("/requests").json() == {"deleted": 2}
    assert control.get("/requests").json() == []


def test_scenarios_lists_rules_with_lines_matches_and_hits(
    fake: FakeOpenAI, control: httpx.Client
) -> None:
    chat(fake.url)
    chat(fake.url, "hi again")
    body = control.get("/scenarios").json()
    (scenario,) = body["scenarios"]
    assert (scenario["name"], scenario["source"]) == ("greet", "<mapping>")
    hello, steps = scenario["rules"]
    assert hello == {
        "name": "hello",
        "index": 0,
        "line": None,  # a mapping has no lines; files do (see the PUT test)
        "match": {"last_user": {"contains": "hi"}},
        "replies": 1,
        "sequence": False,
        "then": "repeat",
        "hits": 2,
    }
    assert (steps["hits"], steps["sequence"], steps["replies"]) == (0, True, 2)
    assert body["added"] == [] and body["embedded_default"] is False


def test_put_yaml_replaces_every_scenario(fake: FakeOpenAI, control: httpx.Client) -> None:
    response = control.put(
        "/scenarios", content=NEW_YAML, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 200, response.text
    (scenario,) = response.json()["scenarios"]
    assert (scenario["name"], scenario["source"]) == ("fresh", "<request body>")
    assert scenario["rules"][0]["line"] == 3
    assert content(chat(fake.url, "hi")) == "from the new rules"


def test_put_json_and_the_default_name(fake: FakeOpenAI, control: httpx.Client) -> None:
    document = {"rules": [{"reply": {"content": "json rules"}}]}
    response = control.put("/scenarios", json=document)
    assert response.status_code == 200, response.text
    assert [s["name"] for s in response.json()["scenarios"]] == ["uploaded"]
    assert (
        content(chat(fake.url, "hi", headers={"x-fakeopenai-scenario": "uploaded"})) == "json rules"
    )
    named = control.put("/scenarios", params={"name": "mine"}, json=document)
    assert [s["name"] for s in named.json()["scenarios"]] == ["mine"]


def test_bad_put_lists_every_line_and_keeps_the_old_rules(
    fake: FakeOpenAI, control: httpx.Client
) -> None:
    response = control.put("/scenarios", content=BROKEN_YAML, headers={"content-type": "text/yaml"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "fakeopenai_invalid_scenario"
    assert error["issues"] == [
        "3: rules[0].reply: unknown key 'contnt' (did you mean 'content'?)",
        "4: rules[1].match: unknown key 'modl' (did you mean 'model'?)",
    ]
    assert error["message"].startswith("fakeopenai: 2 problems in scenarios:\n  <request body>:3:")
    assert content(chat(fake.url, "hi")) == "Hello!"
    assert [s["name"] for s in control.get("/scenarios").json()["scenarios"]] == ["greet"]


def test_bad_json_put_names_the_syntax_error(fake: FakeOpenAI, control: httpx.Client) -> None:
    response = control.put(
        "/scenarios", content=b'{"rules": [}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["issues"] == ["1: invalid JSON: Expecting value"]
    wrong = control.put("/scenarios", json={"rules": [{"reply": {"contnt": "x"}}]})
    assert wrong.json()["error"]["issues"] == [
        "rules[0].reply: unknown key 'contnt' (did you mean 'content'?)"
    ]
    assert content(chat(fake.url, "hi")) == "Hello!"


def test_put_over_max_body_is_413(fake: FakeOpenAI, control: httpx.Client) -> None:
    big = NEW_YAML + "# " + "x" * 5000 + "\n"
    response = control.put("/scenarios", content=big, headers={"content-type": "application/yaml"})
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "Request body too large: the limit is 4096 bytes."
    assert content(chat(fake.url, "hi")) == "Hello!"


def test_reset_clears_journal_and_sequence_counters(
    fake: FakeOpenAI, control: httpx.Client
) -> None:
    assert chat(fake.url, "count").status_code == 429
    assert content(chat(fake.url, "count")) == "two"
    assert control.post("/reset").json() == {"deleted": 2, "counters": "cleared"}
    assert len(fake.requests) == 0
    assert chat(fake.url, "count").status_code == 429  # the sequence starts over


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/reset"), ("DELETE", "/requests"), ("PUT", "/scenarios")]
)
@pytest.mark.parametrize(
    "headers",
    [{"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}],
)
def test_cross_origin_writes_are_refused_even_with_cors(
    open_cors: FakeOpenAI, method: str, path: str, headers: dict[str, str]
) -> None:
    fake = open_cors
    fake.reset()
    chat(fake.url)
    response = HTTP.request(
        method, fake.url + "/_fakeopenai" + path, headers=headers, content=NEW_YAML
    )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "fakeopenai_forbidden_origin"
    assert len(fake.requests) == 1
    assert content(chat(fake.url, "hi")) == "Hello!"


def test_same_origin_writes_are_allowed(fake: FakeOpenAI, control: httpx.Client) -> None:
    own = {"origin": fake.url, "sec-fetch-site": "same-origin"}
    assert control.delete("/requests", headers=own).status_code == 200


def test_control_token_guards_writes_only() -> None:
    with FakeOpenAI(GREET, control_token="s3cret") as fake:
        base = fake.url + "/_fakeopenai"
        refused = HTTP.post(base + "/reset")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["error"]["message"] == (
            "fakeopenai: this server was started with --control-token; control writes need "
            "the header `Authorization: Bearer TOKEN`."
        )
        wrong = HTTP.post(base + "/reset", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert HTTP.get(base + "/requests").status_code == 200
        assert HTTP.get(base + "/scenarios").status_code == 200
        ok = HTTP.post(base + "/reset", headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_unknown_control_route_is_a_404_that_is_not_journaled(
    fake: FakeOpenAI, control: httpx.Client
) -> None:
    response = control.get("/nope")
    assert response.status_code == 404
    assert "no control route GET /_fakeopenai/nope" in response.json()["error"]["message"]
    assert len(fake.requests) == 0


# Per-request scenario selection and session-scoped sequences


def _voice(name: str) -> dict[str, Any]:
    reply = {"content": f"I am {name}", "latency": {"chunk_ms": 5}}
    return {"name": name, "rules": [{"name": "speak", "reply": reply}]}


def test_concurrent_clients_with_scenario_headers_get_their_own_answers() -> None:
    with FakeOpenAI(_voice("alpha"), _voice("beta")) as fake:

        def ask(name: str) -> tuple[str, str]:
            response = chat(fake.url, "who?", headers={"x-fakeopenai-scenario": name}, stream=True)
            pieces = [
                json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
                for line in response.text.splitlines()
                if line.startswith("data: {")
            ]
            return name, "".join(pieces)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, ["alpha", "beta"] * 8))
        assert answers == [("alpha", "I am alpha"), ("beta", "I am beta")] * 8
        assert {e.scenario for e in fake.requests} == {"alpha", "beta"}


def test_scenario_match_key_and_unknown_scenario_header() -> None:
    only_beta = {
        "name": "both",
        "rules": [
            {"match": {"scenario": "beta"}, "reply": {"content": "beta rule"}},
            {"reply": {"content": "anyone"}},
        ],
    }
    with FakeOpenAI(only_beta, strict=False) as fake:
        assert content(chat(fake.url, headers={"x-fakeopenai-scenario": "both"})) == "anyone"
        assert content(chat(fake.url)) == "anyone"
        missing = chat(fake.url, headers={"x-fakeopenai-scenario": "beta"})
        assert missing.status_code == 404
        assert (
            "names scenario 'beta' (X-Fakeopenai-Scenario), which is not loaded"
            in (missing.json()["error"]["message"])
        )


def test_sessions_keep_their_own_sequence_counters(fake: FakeOpenAI) -> None:
    def step(session: str) -> int:
        return chat(fake.url, "count", headers={"x-fakeopenai-session": session}).status_code

    assert [step("a"), step("a"), step("b"), step("a"), step("b")] == [429, 200, 429, 200, 200]


def test_a_foreign_host_name_cannot_reach_the_control_api() -> None:
    # DNS rebinding: a page whose own name resolves to 127.0.0.1 still sends that name.
    with FakeOpenAI() as fake:
        foreign = {"host": "evil.example:8000"}
        refused = httpx.get(fake.url + "/_fakeopenai/requests", headers=foreign)
        assert refused.status_code == 403
        assert refused.json()["error"]["type"] == "fakeopenai_forbidden_host"
        assert httpx.post(fake.url + "/_fakeopenai/reset", headers=foreign).status_code == 403
        local = fake.url.replace("127.0.0.1", "localhost") + "/_fakeopenai/health"
        assert httpx.get(local).status_code == 200
