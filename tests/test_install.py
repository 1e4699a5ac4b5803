"""The wheel, installed into a fresh virtual environment, is `pytest-fakeopenai` and works:
the distribution's name, `fakeopenai --version`, and the pytest plugin's fixture.

It builds with uv when uv is installed beside this Python (as `.ci/run` has it: fast,
from uv's cache), else with pip; packages come from the cache when they can, else from
the package index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import fakeopenai

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

SCENARIO = """name: hello
rules:
  - name: greet
    match: {last_user: hello}
    reply: {content: "Hi from the wheel!"}
"""
TEST = """import json
import urllib.request

import pytest


@pytest.mark.fakeopenai("hello.yaml")
def test_fixture(fake_openai):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}
    request = urllib.request.Request(
        fake_openai.base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer x"},
    )
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    assert answer["choices"][0]["message"]["content"] == "Hi from the wheel!"
    fake_openai.assert_last(rule="greet")
    assert fake_openai.__class__.__module__ == "fakeopenai.fake"
"""


def uv() -> str | None:
    found = BIN / "uv"
    return str(found) if found.exists() else shutil.which("uv")


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run a command outside this test session's environment; its output, or a failure
    that shows it."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "COV_"))
    }
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, (
        f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout + done.stderr


def install(venv: Path, *requirements: str | Path) -> None:
    """Into ``venv``: offline from the cache first (fast, no network), else the index."""
    python = venv / "bin" / "python"
    tool = uv()
    if tool:
        base = [tool, "pip", "install", "--quiet", "--python", python]
        try:
            run(*base, "--offline", *requirements)
        except AssertionError:
            run(*base, *requirements)
    else:
        run(sys.executable, "-m", "pip", "--python", python, "install", "-q", *requirements)


def test_the_wheel_installs_and_works(tmp_path: Path) -> None:
    dist, venv, project = tmp_path / "dist", tmp_path / "venv", tmp_path / "project"
    tool = uv()
    if tool:
        run(tool, "build", "--wheel", "--quiet", "--out-dir", dist, ROOT)
        run(tool, "venv", "--quiet", "--python", sys.executable, venv)
    else:
        run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT)
        run(sys.executable, "-m", "venv", "--without-pip", venv)
    (wheel,) = dist.glob("*.whl")
    assert wheel.name.startswith(f"pytest_fakeopenai-{fakeopenai.__version__}-")
    install(venv, wheel, "pytest")

    python, command = venv / "bin" / "python", venv / "bin" / "fakeopenai"
    found = run(
        python,
        "-c",
        "import importlib.metadata as m, fakeopenai; "
        "print(m.distribution('pytest-fakeopenai').metadata['Name']); print(fakeopenai.__file__)",
    ).split()
    assert found[0] == "pytest-fakeopenai"
    assert Path(found[1]).is_relative_to(venv), "fakeopenai was imported from outside the venv"

    assert run(command, "--version").strip().endswith(fakeopenai.__version__)

    project.mkdir()
    (project / "hello.yaml").write_text(SCENARIO)
    (project / "test_wheel.py").write_text(TEST)
    output = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert "1 passed" in output, output
