"""The ``fakeopenai`` command: ``serve`` in a subprocess (banner, request log, Ctrl+C), and
``check`` / ``schema`` / flag errors in-process."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cli_server import Served
from fakeopenai.cli import main

ROOT = Path(__file__).resolve().parent.parent
HTTP = httpx.Client(timeout=10)
HELLO = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def zero_config() -> Iterator[Served]:
    """``fakeopenai serve`` with no scenarios and no flags but a free port."""
    with Served() as server:
        yield server


def test_serve_with_zero_config_starts_and_says_where_it_listens(zero_config: Served) -> None:
    banner = zero_config.banner
    assert "serving the embedded default" in banner
    assert f"inspector {zero_config.url}/_fakeopenai/" in banner
    assert HTTP.get(zero_config.url + "/_fakeopenai/health").json()["status"] == "ok"
    response = HTTP.post(zero_config.url + "/v1/chat/completions", json=HELLO)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]  # generated text


def test_serve_logs_one_line_per_api_request(zero_config: Served) -> None:
    HTTP.post(zero_config.url + "/openai/v1/chat/completions", json=HELLO)
    HTTP.post(zero_config.url + "/v1/chat/completions", json={"model": "gpt-4o"})
    err = zero_config.wait_for_stderr(" 400 invalid_request_error ")
    line = next(x for x in err.splitlines() if "POST /openai/v1/chat/completions" in x)
    assert " gpt-4o -> generated 200 " in line and line.endswith(" ms")
    assert "/_fakeopenai/" not in err  # control calls are not logged


def test_clients_leaving_early_make_no_noise(zero_config: Served) -> None:
    body = {**HELLO, "stream": True}
    with HTTP.stream("POST", zero_config.url + "/v1/chat/completions", json=body) as response:
        next(response.iter_bytes())  # the first frame, then hang up
    zero_config.wait_for_stderr("(client disconnected)")
    host, port = zero_config.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as half_sent:  # leaves mid-upload
        half_sent.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: fake\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":'
        )
    err = zero_config.wait_for_stderr("POST /v1/chat/completions 499 (client disconnected)")
    line = next(x for x in err.splitlines() if " stream " in x)
    assert int(line.split(" stream ")[1].split()[0]) < 10  # noticed at once, not at the end
    noise = ("Traceback", "Exception", "exception", "ERROR", "socket.send")
    assert not [word for word in noise if word in err], err


def test_warning_level_is_quiet_and_ctrl_c_stops_promptly_with_an_inspector_open() -> None:
    with Served("--log-level", "warning", "--no-delay") as server:
        assert HTTP.post(server.url + "/v1/chat/completions", json=HELLO).status_code == 200
        with HTTP.stream("GET", server.url + "/_fakeopenai/events") as feed:
            next(feed.iter_lines())  # the inspector's feed is open
            took = server.interrupt()
        assert took < 3.0, f"took {took:.2f}s to stop"  # generous: CI machines are busy
        assert server.proc.returncode == 0
        assert server.stderr == ""


def test_a_bad_cors_origin_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--cors-origin", "localhost:3000"])
    assert result.exit_code == 2
    assert "--cors-origin 'localhost:3000' is not an origin" in result.output


def test_check_reports_ok_and_every_problem() -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(ROOT / "scenarios" / "hello.yaml")])
    assert (ok.exit_code, ok.output) == (0, "fakeopenai: OK: 1 scenario, 1 rule (hello)\n")
    broken = runner.invoke(main, ["check", str(ROOT / "tests" / "broken" / "multi_errors.yaml")])
    assert broken.exit_code == 1
    assert "multi_errors.yaml:" in broken.output


def test_schema_is_json_schema_for_editors() -> None:
    result = CliRunner().invoke(main, ["schema"])
    document = json.loads(result.output)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "rules" in document["properties"]


def test_serve_flags_reach_the_server() -> None:
    broken_history = {
        "model": "gpt-4o",
        "messages": [{"role": "tool", "tool_call_id": "call_1", "content": "21C"}],
    }
    flags = ("--no-delay", "--emit-schema", "--no-validate-conversation", "--journal-limit", "2")
    with Served(*flags) as server:
        answer = HTTP.post(server.url + "/v1/chat/completions", json=HELLO).json()
        assert next(iter(answer)) == "$schema"
        assert HTTP.post(server.url + "/v1/chat/completions", json=broken_history).is_success
        HTTP.post(server.url + "/v1/chat/completions", json=HELLO)
        journal = HTTP.get(server.url + "/_fakeopenai/requests").json()
        assert [entry["id"] for entry in journal] == [2, 3]  # only the newest two kept


EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "compat" / "scenarios").glob("*.yaml")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_editor_schema_accepts_every_example_scenario(path: Path) -> None:
    import jsonschema
    import yaml

    schema = json.loads(CliRunner().invoke(main, ["schema"]).output)
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_editor_schema_accepts_shorthands_and_rejects_typos() -> None:
    import jsonschema
    import yaml

    schema = json.loads(CliRunner().invoke(main, ["schema"]).output)
    shorthands = """
x-answer: &answer {content: hi, headers: {x-n: 3}}
rules:
  - match: {last_user: hello, tools: search}
    replies: [{error: 429}, *answer]
"""
    jsonschema.validate(yaml.safe_load(shorthands), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rules": [{"reply": {"contnet": "hi"}}]}, schema)


def test_serve_paces_generated_replies_at_the_given_speed() -> None:
    with Served("--tokens-per-second", "400") as server:
        body = {**HELLO, "stream": True}
        assert HTTP.post(server.url + "/v1/chat/completions", json=body).status_code == 200
        entry = HTTP.get(server.url + "/_fakeopenai/requests").json()[-1]
    pieces, timings = entry["chunks"], entry["timings"]
    assert timings["ttft_ms"] >= 340  # the human-pace time to first token still applies
    # the last piece is due ttft + (pieces - 1) / 400 s after arrival, never earlier
    assert timings["total_ms"] >= 340 + (pieces - 1) * 2.5 - 10  # jitter moves pieces 8 ms


def test_serve_the_example_folder_answers_any_prompt_with_markdown() -> None:
    """The frontend developer's stub: ``fakeopenai serve scenarios/`` answers what no
    example scripts through the catch-all, with a generated markdown answer."""
    with Served(str(ROOT / "scenarios"), "--no-delay") as server:
        ask = "Explain how to add pagination to a list endpoint, with an example"
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": ask}]}
        response = HTTP.post(server.url + "/v1/chat/completions", json=body)
        assert response.status_code == 200, response.text
        text = response.json()["choices"][0]["message"]["content"]
        assert text.count("\n\n") >= 4 and "### " in text  # sections of a long answer
        line = server.wait_for_stderr("POST /v1/chat/completions")
        assert "-> catch-all/anything-else 200" in line
