"""The other OpenAI fakes ``bench_server.py`` runs beside fakeopenai (``PEERS=1``).

Each is installed from its package registry into ``~/.cache/fakeopenai-bench`` (npm
for aimock, a virtualenv for the Python ones; fakellm, stubllm and llmock all depend on
``uvicorn[standard]``, so they run on httptools and uvloop as installed), scripted to
answer the benchmark's question with the same content, and run at its quietest log
level. A peer that does not install is left out with a note; none is required.

- aimock (``@copilotkit/aimock``, Node): its ``llmock`` server binary, a JSON fixture
  matching the user message;
- fakellm: a ``fakellm.yaml`` rule on ``messages_contain``;
- stubllm: a fixture matching the user message's content;
- llmock: no content matching, so its ``static`` response style.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bare import CONTENT

CACHE = Path.home() / ".cache" / "fakeopenai-bench"
PYTHON_PEERS = ("fakellm", "stubllm", "llmock")
AIMOCK = CACHE / "npm/node_modules/@copilotkit/aimock/dist/cli.js"

# (label, command, port) of one peer server
Peer = tuple[str, list[str], int]


def _install() -> tuple[Path | None, Path | None]:
    """(aimock's server script, the peers' virtualenv bin folder), None where it failed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if not AIMOCK.exists() and shutil.which("npm"):
        npm = ["npm", "install", "--prefix", str(CACHE / "npm"), "--no-audit", "--no-fund"]
        subprocess.run([*npm, "@copilotkit/aimock"], check=False, capture_output=True)
    if not AIMOCK.exists():
        print("bench: aimock did not install (npm @copilotkit/aimock); left out", file=sys.stderr)
    bin_dir = CACHE / "py/bin"
    if not all((bin_dir / name).exists() for name in PYTHON_PEERS):
        subprocess.run([sys.executable, "-m", "venv", str(CACHE / "py")], check=False)
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *PYTHON_PEERS], check=False)
    return (AIMOCK if AIMOCK.exists() else None), (bin_dir if bin_dir.exists() else None)


def peer_servers(free_port: Callable[[], int]) -> list[Peer]:
    """(label, command, port) of every peer that is installed (installing them first)."""
    aimock, bin_dir = _install()
    folder = Path(tempfile.mkdtemp(prefix="fakeopenai-bench-peers-"))
    found: list[Peer] = []
    if aimock is not None and shutil.which("node"):
        fixtures = folder / "aimock.json"
        fixtures.write_text(
            json.dumps(
                {
                    "fixtures": [
                        {"match": {"userMessage": "capital"}, "response": {"content": CONTENT}}
                    ]
                }
            )
        )
        port = free_port()
        command = ["node", str(aimock), "-f", str(fixtures), "-p", str(port)]
        found.append(("aimock 1.x (Node)", [*command, "--log-level", "silent"], port))
    if bin_dir is None:
        return found
    if (bin_dir / "fakellm").exists():
        config = folder / "fakellm.yaml"
        config.write_text(
            "version: 1\nrules:\n  - name: capital\n    when: {messages_contain: capital}\n"
            f"    respond: {{content: {json.dumps(CONTENT)}}}\n"
        )
        port = free_port()
        command = [str(bin_dir / "fakellm"), "serve", "--config", str(config), "--port", str(port)]
        found.append(("fakellm", command, port))
    if (bin_dir / "stubllm").exists():
        fixture = folder / "stubllm.yaml"
        fixture.write_text(
            "fixtures:\n  - name: capital\n    match:\n      messages:\n"
            "        - {role: user, content: {contains: capital}}\n"
            f"    response: {{content: {json.dumps(CONTENT)}}}\n"
        )
        port = free_port()
        command = [str(bin_dir / "stubllm"), "serve", "--fixture-file", str(fixture)]
        command += ["--port", str(port), "--log-level", "warning"]
        found.append(("stubllm", command, port))
    if (bin_dir / "llmock").exists():
        port = free_port()
        command = [str(bin_dir / "llmock"), "serve", "--port", str(port)]
        command += ["--response-style", "static", "--log-level", "warning"]
        found.append(("llmock (static reply)", command, port))
    return found
