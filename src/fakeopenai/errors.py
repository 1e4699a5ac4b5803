"""Exceptions raised by fakeopenai.

This module imports nothing heavy: the pytest plugin and ``fakeopenai`` itself expose
these names without paying for the server stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class FakeOpenAIError(Exception):
    """Base class of every error fakeopenai raises."""


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario source: where it is and what is wrong."""

    file: str
    line: int | None
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f"{self.location}: {self.message}" if self.location else self.message
        return f"{where}: {what}"


class ScenarioError(FakeOpenAIError):
    """A scenario file (or mapping) is invalid. ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = f"fakeopenai: {count} problem{'s' if count != 1 else ''} in scenarios"
        super().__init__("\n".join([head + ":", *(f"  {issue}" for issue in self.issues)]))


class NoMatchError(FakeOpenAIError, AssertionError):
    """Requests reached the fake that no rule matched (``FakeOpenAI.check()``, strict mode).

    ``misses`` holds one line per unmatched request: which request, the closest rule and
    the conditions it failed.
    """

    def __init__(self, misses: Sequence[str]) -> None:
        self.misses = list(misses)
        count = len(self.misses)
        head = (
            f"fakeopenai: {count} request{'s' if count != 1 else ''} matched no rule:"
            if count
            else "fakeopenai: no unmatched requests"
        )
        super().__init__("\n".join([head, *(f"  - {miss}" for miss in self.misses)]))


class UnfaithfulReplyError(FakeOpenAIError, AssertionError):
    """Rules answered with replies the real API could not have sent for their requests
    (``FakeOpenAI.check()``, strict mode). ``warnings`` holds one line per warning:
    which request, which rule, what contradicts what, and the fix."""

    def __init__(self, warnings: Sequence[str]) -> None:
        self.warnings = list(warnings)
        count = len(self.warnings)
        head = (
            f"fakeopenai: {count} repl{'ies' if count != 1 else 'y'} the real API could not "
            "have sent:"
        )
        super().__init__("\n".join([head, *(f"  - {line}" for line in self.warnings)]))


class ServerStartError(FakeOpenAIError):
    """The in-process server could not start (port in use, bad host, start-up timeout)."""
