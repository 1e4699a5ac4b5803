"""``Served``: the ``with`` block of a server running in a background thread, shared by
``FakeOpenAI`` and ``RecordingServer`` (start on entering, stop on leaving)."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

S = TypeVar("S", bound="Served")


class Served:
    """Subclasses say how to ``start`` and ``stop``, and what ``_left`` does after."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def _left(self, error: BaseException | None) -> None:
        """Called after ``stop`` at the end of a ``with`` block (``error``: what ended it)."""

    def __enter__(self: S) -> S:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        self._left(error)
