"""Which clients are installed, and what to do when one is not.

A missing client skips its tests with the command that installs it; under
``FAKEOPENAI_COMPAT_REQUIRE=1`` (set by CI) it fails them instead, so a broken install
can never pass as "all skipped". Versions are read from the installed metadata, without
importing anything, for the run's header.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import pytest

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
PY1_VENV = HERE / ".work" / "py1"
PY1_PYTHON = PY1_VENV / "bin" / "python"
SETUP = "bash tests/compat/setup.sh"
NODE_PACKAGES = ("openai", "ai", "@ai-sdk/openai", "zod")
PYTHON_PACKAGES = ("openai", "langchain-openai", "langchain-core", "litellm", "openai-agents")
PYTHON_PACKAGES += ("autogen-agentchat", "autogen-ext")


def missing(what: str) -> NoReturn:
    """Skip because ``what`` is not installed (fail under FAKEOPENAI_COMPAT_REQUIRE=1)."""
    message = f"not installed: {what}; run `{SETUP}`"
    if os.environ.get("FAKEOPENAI_COMPAT_REQUIRE") == "1":
        pytest.fail(f"{message} (FAKEOPENAI_COMPAT_REQUIRE=1)", pytrace=False)
    pytest.skip(message)


def import_client(module: str, package: str) -> Any:
    """Import a client library, or skip/fail via :func:`missing`."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        missing(package)


def version(package: str) -> str:
    """Installed version of a Python distribution in this environment, or "missing"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "missing"


def node_version(package: str) -> str:
    """Version of a package in tests/compat/node/node_modules, or "missing"."""
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    if not manifest.exists():
        return "missing"
    return str(json.loads(manifest.read_text())["version"])


def py1_version() -> str:
    """Version of openai in the 1.x venv, or "missing"."""
    found = sorted((PY1_VENV / "lib").glob("python*/site-packages/openai-*.dist-info"))
    if not found:
        return "missing"
    return found[-1].name.removeprefix("openai-").removesuffix(".dist-info")
