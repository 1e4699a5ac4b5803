"""The recording proxy against upstreams it meets outside tests: HTTPS (the real API
is), and an HTTP proxy the environment names."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from rawservers import Front

from fakeopenai import FakeOpenAI


@pytest.fixture
def tls_upstream(
    upstream: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """``https://127.0.0.1:PORT/v1`` in front of the upstream, its CA trusted by httpx."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # read by the proxy's first request
    port = int(upstream.base_url.rsplit(":", 1)[1].split("/")[0])
    with Front(context, port) as front:
        yield f"https://127.0.0.1:{front.port}/v1"


def test_recording_from_a_tls_upstream(tls_upstream: str, recorder: Callable[..., Any]) -> None:
    """The real API is HTTPS: the handshake, and a stream read through TLS."""
    rec = recorder(tls_upstream)
    client = rec.client()
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello"}],
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello there! How can I help you today?"
    assert "chunks:" in rec.text()
    plain = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    assert plain.choices[0].message.content


def test_the_proxies_the_environment_names_are_used(
    upstream: FakeOpenAI, recorder: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``HTTP_PROXY`` set, requests go through httpx clients, which route them
    there (straight to a pool otherwise)."""
    port = int(upstream.base_url.rsplit(":", 1)[1].split("/")[0])
    with Front(None, port) as proxy:
        rec = recorder()
        sdk = rec.client()  # made before: the SDK's own client reads the proxy too
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        answer = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
        )
        assert answer.choices[0].message.content == "Hello there! How can I help you today?"
        assert proxy.connections == 1
        assert "Hello there!" in rec.text()
