"""FakeOpenAIApp: API paths go straight to the handler, /_fakeopenai to Starlette."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from fakeopenai import create_app
from fakeopenai.dispatch import is_control, route_path


@pytest.mark.parametrize(
    ("path", "control"),
    [
        ("/_fakeopenai", True),
        ("/_fakeopenai/health", True),
        ("/_fakeopenaix", False),
        ("/v1/chat/completions", False),
        ("/", False),
    ],
)
def test_is_control(path: str, control: bool) -> None:
    assert is_control(path) is control


def test_route_path_strips_the_mount_point() -> None:
    assert route_path({"path": "/proxy/v1/models", "root_path": "/proxy"}) == "/v1/models"
    assert route_path({"path": "/v1/models", "root_path": ""}) == "/v1/models"


def test_behind_a_root_path_both_the_api_and_the_control_api_answer() -> None:
    with TestClient(create_app(), root_path="/proxy") as client:
        assert client.get("/_fakeopenai/health").status_code == 200
        answer = client.post(
            "/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert answer.status_code == 200 and answer.json()["object"] == "chat.completion"


def test_a_lone_surrogate_in_the_request_still_streams_valid_json() -> None:
    # json.loads accepts "\ud800"; UTF-8 cannot encode it. Frames are made after the
    # 200, so they must never fail to encode: the fallback escapes it.
    body = (
        '{"model": "gpt\\ud800", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
    )
    with TestClient(create_app()) as client:
        answer = client.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    lines = [line for line in answer.text.split("\n\n") if line.startswith("data: {")]
    assert answer.status_code == 200 and lines
    assert json.loads(lines[0][len("data: ") :])["model"] == "gpt\ud800"
    assert answer.text.endswith("data: [DONE]\n\n")


def test_mounted_under_a_prefix_the_host_guard_and_cors_still_hold() -> None:
    # A mounted app's scope["path"] keeps the mount prefix: the guards must look below it.
    import httpx
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from fakeopenai.serving import ServerThread

    inner = create_app(cors_origins=["*"])
    server = ServerThread(Starlette(routes=[Mount("/fake", app=inner)]))
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/fake"
        rebinding = httpx.get(base + "/_fakeopenai/requests", headers={"host": "evil.example"})
        assert rebinding.status_code == 403
        assert rebinding.json()["error"]["type"] == "fakeopenai_forbidden_host"
        read = httpx.get(base + "/_fakeopenai/requests", headers={"origin": "https://x.example"})
        assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
        api = httpx.get(base + "/v1/models", headers={"origin": "https://x.example"})
        assert api.headers["access-control-allow-origin"] == "*"
    finally:
        server.stop()
