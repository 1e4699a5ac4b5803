"""Rows 3 and 11: the DNS-rebinding guard, writes from beyond loopback, masked secrets."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.hostnames import is_loopback_host_header

FOREIGN = [
    "127.0.0.1.evil.example",
    "127.0.0.1.evil.example:8000",
    "127.evil.example",
    "127.0.0.1.nip.io",
    "localhost.evil.example",
    "evil.localhost",
    "127.1",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "127.0.0.256",
    "[::1].evil.example",
    "[::ffff:127.0.0.1]:80",
    "127.0.0.1:80:80",
    "127.0.0.1:http",
    "localhost:",
    "",
    "evil.example",
]
LOCAL = [
    "localhost",
    "LOCALHOST:8000",
    "127.0.0.1",
    "127.0.0.1:8000",
    "127.255.3.4:1",
    "[::1]",
    "[::1]:8000",
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize("host", FOREIGN)
def test_foreign_host_names_are_refused(fake: FakeOpenAI, host: str) -> None:
    assert not is_loopback_host_header(host)
    headers = {"host": host}
    read = httpx.get(fake.url + "/_fakeopenai/requests", headers=headers)
    assert read.status_code in (400, 403), read.text  # (h11 itself refuses an empty Host)
    write = httpx.put(fake.url + "/_fakeopenai/scenarios", content="rules: []", headers=headers)
    assert write.status_code in (400, 403)
    assert not fake.core.engine.scenarios  # not reprogrammed


@pytest.mark.parametrize("host", LOCAL)
def test_loopback_host_names_pass(fake: FakeOpenAI, host: str) -> None:
    assert is_loopback_host_header(host)
    answer = httpx.get(fake.url + "/_fakeopenai/health", headers={"host": host})
    assert answer.status_code == 200, answer.text


def _outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_writes_from_beyond_loopback_need_a_token() -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("no non-loopback interface on this machine")
    with FakeOpenAI(host=address) as fake:
        url = f"{fake.url}/_fakeopenai"
        refused = httpx.post(f"{url}/reset")
        assert refused.status_code == 403
        assert refused.json()["error"]["type"] == "fakeopenai_forbidden_remote"
        assert "--control-token" in refused.json()["error"]["message"]
        assert httpx.get(f"{url}/health").status_code == 200  # reads stay open
    with FakeOpenAI(host=address, control_token="s3cret") as fake:
        url = f"{fake.url}/_fakeopenai"
        assert httpx.post(f"{url}/reset").status_code == 401
        ok = httpx.post(f"{url}/reset", headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 200


SECRETS = {
    "authorization": "Bearer sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD",
    "api-key": "azure-key",
    "x-api-key": "anthropic-style-key-123",
    "cookie": "session=abcdef0123456789; theme=dark",
    "proxy-authorization": "Basic dXNlcjpwYXNzd29yZA==",
    "ocp-apim-subscription-key": "0123456789abcdef0123456789abcdef",
    "openai-organization": "org-0123456789abcdef",
    "openai-project": "proj_0123456789abcdef",
    "x-auth-token": "tok_short",
    "x-client-secret": "shhh-it-is-secret",
    "x-session-id": "sess-0123456789",
    "x-db-password": "hunter2hunter2",
}


def test_every_credential_header_is_masked() -> None:
    with FakeOpenAI(strict=False) as fake:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
        headers = {**SECRETS, "x-fakeopenai-session": "kept", "x-trace": "kept"}
        httpx.post(fake.base_url + "/chat/completions", json=body, headers=headers)
        journal = httpx.get(fake.url + "/_fakeopenai/requests").json()
        stored = journal[-1]["headers"]
    for name, value in SECRETS.items():
        shown = stored[name]
        secret = value.partition(" ")[2] if name.endswith("authorization") else value
        assert secret not in shown, (name, shown)
        visible = shown.replace("*", "").replace("Bearer ", "").replace("Basic ", "")
        assert len(visible) <= len(secret) // 4, (name, shown)
    assert stored["x-fakeopenai-session"] == "kept" and stored["x-trace"] == "kept"


@pytest.mark.parametrize("size", range(1, 60))
def test_a_mask_never_shows_most_of_a_secret(size: int) -> None:
    from fakeopenai.wire.errors import mask_key

    secret = "".join(chr(ord("a") + i % 26) for i in range(size))
    assert len(mask_key(secret).replace("*", "")) <= size // 4
