"""fakeopenai: an OpenAI-compatible HTTP server for tests and local development.

Public names are imported lazily (PEP 562) so that ``import fakeopenai`` — and the
pytest plugin — cost nothing until a server is actually used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Entry",
    "FakeOpenAI",
    "FakeOpenAIError",
    "Issue",
    "NoMatchError",
    "Requests",
    "ScenarioError",
    "ServerStartError",
    "UnfaithfulReplyError",
    "__version__",
    "create_app",
]

_LAZY = {
    "Entry": "fakeopenai.journal",
    "FakeOpenAI": "fakeopenai.fake",
    "FakeOpenAIError": "fakeopenai.errors",
    "Issue": "fakeopenai.errors",
    "NoMatchError": "fakeopenai.errors",
    "Requests": "fakeopenai.asserts",
    "ScenarioError": "fakeopenai.errors",
    "ServerStartError": "fakeopenai.errors",
    "UnfaithfulReplyError": "fakeopenai.errors",
    "create_app": "fakeopenai.app",
}

if TYPE_CHECKING:
    from fakeopenai.app import create_app
    from fakeopenai.asserts import Requests
    from fakeopenai.errors import (
        FakeOpenAIError,
        Issue,
        NoMatchError,
        ScenarioError,
        ServerStartError,
        UnfaithfulReplyError,
    )
    from fakeopenai.fake import FakeOpenAI
    from fakeopenai.journal import Entry


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'fakeopenai' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
