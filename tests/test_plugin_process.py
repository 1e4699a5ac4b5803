"""The plugin across processes: xdist workers, and the import cost of installing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("starlette", "uvicorn", "pydantic", "faker", "jinja2", "yaml")


def only_our_plugins(patch: pytest.MonkeyPatch) -> list[str]:
    """Subprocess runs without the other installed plugins (some import half of PyPI at
    start-up); the ones these tests need are named instead."""
    patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return ["-p", "fakeopenai.plugin", "-p", "no:cacheprovider"]


def test_importing_fakeopenai_and_its_plugin_loads_no_server_stack() -> None:
    code = (
        "import sys, fakeopenai, fakeopenai.plugin\n"
        "from fakeopenai import ScenarioError, NoMatchError, ServerStartError\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_session_pays_for_the_server_only_when_a_test_uses_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_it=f"""
import sys

HEAVY = {HEAVY!r}

def test_plain(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("fakeopenai.plugin")
    assert [m for m in HEAVY if m in sys.modules] == []

def test_uses_the_fake(fake_openai):
    assert "uvicorn" in sys.modules and "starlette" in sys.modules
"""
    )
    args = only_our_plugins(monkeypatch)
    pytester.runpytest_subprocess(*args, "-p", "no:randomly").assert_outcomes(passed=2)


def test_xdist_gives_each_worker_its_own_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = pytester.mkdir("out")
    pytester.makepyfile(
        test_it=f"""
import os, pathlib, httpx, pytest

@pytest.mark.parametrize("n", range(8))
def test_n(fake_openai, n):
    body = {{"model": "m", "messages": [{{"role": "user", "content": "hi"}}]}}
    assert httpx.post(fake_openai.base_url + "/chat/completions", json=body).status_code == 200
    assert len(fake_openai.requests) == 1
    worker = os.environ["PYTEST_XDIST_WORKER"]
    pathlib.Path({str(out)!r}, f"{{n}}.txt").write_text(f"{{worker}} {{fake_openai.url}}")
"""
    )
    args = only_our_plugins(monkeypatch)
    result = pytester.runpytest_subprocess(*args, "-p", "xdist.plugin", "-n", "2")
    result.assert_outcomes(passed=8)
    seen = {tuple(path.read_text().split()) for path in out.iterdir()}
    workers = {worker for worker, _ in seen}
    assert workers == {"gw0", "gw1"}
    urls = {url for _, url in seen}
    assert len(seen) == 2 and len(urls) == 2, f"one URL per worker, got {sorted(seen)}"
