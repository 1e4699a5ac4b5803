"""The compatibility suite: third-party clients against a real fakeopenai server.

Run it with ``pytest tests/compat -m compat`` after ``tests/compat/setup.sh`` has
installed the clients. Every test here carries the ``compat`` marker; a test whose
client is missing is skipped with the command that installs it, or fails under
``FAKEOPENAI_COMPAT_REQUIRE=1`` (CI) (see requires.py). A network guard (netguard.py)
refuses, and fails the module on, any connection that is not to loopback.

Each test module names its scenario file in ``SCENARIO``; the module gets one server
(``compat_server``) and each test a reset handle (``fake``) that fails the test at
teardown when a request matched no rule. Node and openai-1.x flows run in long-lived
subprocesses that answer one JSON line per flow (workers.py, ``node/harness.mjs``,
``py1/flows.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeopenai import FakeOpenAI

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
SEED = 7

sys.path.insert(0, str(HERE))
from netguard import NetworkGuard  # noqa: E402
from requires import (  # noqa: E402
    NODE_DIR,
    NODE_PACKAGES,
    PY1_PYTHON,
    PYTHON_PACKAGES,
    missing,
    node_version,
    py1_version,
    version,
)
from workers import FlowWorker  # noqa: E402

# Switched off for every client, before any of them is imported: price-map fetches,
# traces, telemetry. OPENAI_BASE_URL is removed because LangChain changes behaviour
# when it is set (stream_usage default); every client gets base_url explicitly.
OFFLINE_ENV = {
    "OPENAI_API_KEY": "sk-fakeopenai",
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY": "False",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


# ---------------------------------------------------------------------------- hooks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.compat)


def pytest_report_header() -> list[str]:
    """The client versions this run tests (docs/works-with.md's "Works with" table cites them)."""
    python = ", ".join(f"{p} {version(p)}" for p in PYTHON_PACKAGES)
    node = ", ".join(f"{p} {node_version(p)}" for p in NODE_PACKAGES)
    node_runtime = "no node"
    if shutil.which("node"):
        found = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
        node_runtime = found.stdout.strip()
    return [
        f"compat python clients: {python}",
        f"compat openai-python 1.x venv: openai {py1_version()}",
        f"compat node clients ({node_runtime}): {node}",
    ]


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[NetworkGuard]:
    """No network for the whole module: offline settings, and a guard that refuses
    (and records) any connection that is not to loopback."""
    guard = NetworkGuard()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in OFFLINE_ENV.items():
            patch.setenv(name, value)
        patch.delenv("OPENAI_BASE_URL", raising=False)
        guard.install()
        try:
            yield guard
        finally:
            guard.uninstall()
    assert guard.blocked == [], f"a client tried to reach the network: {guard.blocked}"


@pytest.fixture(scope="module")
def compat_server(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    """One server per module, loaded with the module's ``SCENARIO`` file."""
    scenario = SCENARIOS / request.module.SCENARIO
    with FakeOpenAI(scenario, seed=SEED) as server:
        yield server


@pytest.fixture
def fake(compat_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The module's server, reset; a request that no rule matched fails the test."""
    compat_server.reset()
    yield compat_server
    compat_server.check()


def _subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
    return env | OFFLINE_ENV


Runner = Callable[[str, FakeOpenAI], dict[str, Any]]


@pytest.fixture(scope="session")
def node_script() -> Iterator[Callable[[str], Runner]]:
    """``node_script("openai_flows.mjs")(flow, fake)`` → the flow's ``result`` dict."""
    if shutil.which("node") is None:
        missing("node (Node.js >= 20)")
    absent = [p for p in NODE_PACKAGES if node_version(p) == "missing"]
    if absent:
        missing(f"Node packages {', '.join(absent)} in tests/compat/node/node_modules")
    workers: dict[str, FlowWorker] = {}

    def script(name: str) -> Runner:
        if name not in workers:
            workers[name] = FlowWorker(["node", name], NODE_DIR, _subprocess_env())
        worker = workers[name]
        return lambda flow, server: worker.run(flow, server.base_url)

    yield script
    for worker in workers.values():
        worker.close()


@pytest.fixture(scope="session")
def py1() -> Iterator[Runner]:
    """``py1(flow, fake)`` runs a flow of ``py1/flows.py`` in the openai-1.x venv."""
    found = py1_version()
    if not PY1_PYTHON.exists() or not found.startswith("1."):
        missing(f"openai 1.x in its venv {PY1_PYTHON.parent.parent} (found: {found})")
    worker = FlowWorker([str(PY1_PYTHON), str(HERE / "py1" / "flows.py")], HERE, _subprocess_env())
    yield lambda flow, server: worker.run(flow, server.base_url)
    worker.close()
