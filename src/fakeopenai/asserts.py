"""``Requests``: the journal as a list, with assertion helpers whose failures show it.

Conditions (for ``where``, ``assert_called``, ``assert_not_called``, ``assert_last``) name
an ``Entry`` attribute (``rule``, ``scenario``, ``model``, ``stream``, ``status``,
``endpoint``, ``path``, ``last_user``, ...) and give the value to compare with ``==``, a
compiled regex (``re.search`` on the text), or a callable that returns true for a match::

    fake.requests.assert_called(times=2, rule="flaky")
    fake.assert_last(rule="answer-after-tool", last_user=re.compile("Paris"))

A failure is an ``AssertionError`` that says what was expected and lists the journal.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from fakeopenai.journal import Entry

# Entry attributes a condition may name: the recorded fields plus the derived ones.
CONDITIONS = frozenset(
    [f.name for f in dataclasses.fields(Entry) if f.repr] + ["json", "messages", "last_user"]
)


def _check_names(conditions: dict[str, Any]) -> None:
    """A misspelt condition is a ``TypeError`` naming the closest one (a silently unmet
    condition would read as "not called")."""
    unknown = sorted(set(conditions) - CONDITIONS)
    if unknown:
        known = ", ".join(sorted(CONDITIONS))
        near = difflib.get_close_matches(unknown[0], CONDITIONS, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}=? " if near else ""
        raise TypeError(
            f"fakeopenai: unknown condition {', '.join(unknown)} ({hint}known: {known})"
        )


def _fits(value: Any, expected: Any) -> bool:
    if isinstance(expected, re.Pattern):
        return isinstance(value, str) and expected.search(value) is not None
    if callable(expected) and not isinstance(expected, type):
        return bool(expected(value))
    return bool(value == expected)


def _show(expected: Any) -> str:
    if isinstance(expected, re.Pattern):
        return f"re.compile({expected.pattern!r})"
    if callable(expected) and not isinstance(expected, type):
        return f"a value for which {getattr(expected, '__name__', 'the predicate')} is true"
    return repr(expected)


def _described(conditions: dict[str, Any]) -> str:
    return ", ".join(f"{name}={_show(value)}" for name, value in conditions.items())


def _plural(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def listing(entries: Sequence[Entry]) -> str:
    """The journal, one line per entry, for failure messages."""
    if not entries:
        return "The journal is empty: no request reached the fake."
    lines = [f"The journal ({_plural(len(entries))}, oldest first):"]
    lines += [f"  {entry.line()}" for entry in entries]
    return "\n".join(lines)


class Requests(Sequence[Entry]):
    """Journal entries, oldest first (a snapshot): index it, iterate it, ``.last``."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries = list(entries)

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> Requests: ...

    def __getitem__(self, index: int | slice) -> Entry | Requests:
        if isinstance(index, slice):
            return Requests(self._entries[index])
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Requests):
            return self._entries == other._entries
        return isinstance(other, list) and self._entries == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Requests({[entry.line() for entry in self._entries]!r})"

    def __str__(self) -> str:
        return listing(self._entries)

    @property
    def last(self) -> Entry:
        """The newest entry (``AssertionError`` when there is none)."""
        __tracebackhide__ = True
        if not self._entries:
            raise AssertionError("fakeopenai: no request has reached the fake yet")
        return self._entries[-1]

    @property
    def misses(self) -> Requests:
        """The entries no rule matched."""
        return Requests(e for e in self._entries if e.miss is not None)

    def where(self, **conditions: Any) -> Requests:
        """The entries that meet every condition (see the module docstring)."""
        _check_names(conditions)
        return Requests(
            e
            for e in self._entries
            if all(_fits(getattr(e, name), want) for name, want in conditions.items())
        )

    def assert_called(self, times: int | None = None, **conditions: Any) -> Requests:
        """Assert that requests meeting ``conditions`` were made: ``times`` of them
        exactly, or at least one. Returns them."""
        __tracebackhide__ = True
        found = self.where(**conditions)
        if (times is None and found) or len(found) == times:
            return found
        which = f" with {_described(conditions)}" if conditions else ""
        wanted = "at least 1 request" if times is None else f"{_plural(times)}"
        raise AssertionError(
            f"fakeopenai: expected {wanted}{which}, got {len(found)}.\n{listing(self._entries)}"
        )

    def assert_not_called(self, **conditions: Any) -> None:
        """Assert that no request meets ``conditions`` (none at all without conditions)."""
        __tracebackhide__ = True
        self.assert_called(times=0, **conditions)

    def assert_last(self, **conditions: Any) -> Entry:
        """Assert that the newest request meets every condition; returns it."""
        __tracebackhide__ = True
        _check_names(conditions)
        if not self._entries:
            wanted = _described(conditions)
            raise AssertionError(
                f"fakeopenai: expected a last request with {wanted}, "
                "but no request reached the fake."
            )
        last = self._entries[-1]
        wrong = [
            f"  {name}: expected {_show(want)}, got {getattr(last, name)!r}"
            for name, want in conditions.items()
            if not _fits(getattr(last, name), want)
        ]
        if wrong:
            head = f"fakeopenai: the last request (#{last.id}) does not match:"
            raise AssertionError("\n".join([head, *wrong, listing(self._entries)]))
        return last
