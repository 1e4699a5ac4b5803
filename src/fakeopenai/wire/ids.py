"""Identifiers shaped like the real API's (prefix + random alphanumerics or hex)."""

from __future__ import annotations

import os
import random
from binascii import b2a_base64
from collections.abc import Callable, Iterator

# Ids must be unique, not secret, and they are made several times per request: a
# private generator seeded from the OS (a test's random.seed() cannot make ids repeat),
# base64-encoded with the three non-alphanumeric symbols mapped to letters; a system
# call per id (os.urandom) would cost several microseconds.
_RANDOM = random.Random(os.urandom(32))
_TO_ALNUM = bytes.maketrans(b"+/=", b"xQ7")
_FINGERPRINT = "fp_" + os.urandom(5).hex()


def alnum(n: int) -> str:
    """``n`` random letters and digits (the shape of ``chatcmpl-``/``call_`` suffixes)."""
    raw = b2a_base64(_RANDOM.randbytes(n * 3 // 4 + 3), newline=False)
    return raw.translate(_TO_ALNUM)[:n].decode()


def _hex(n: int) -> str:
    return _RANDOM.randbytes((n + 1) // 2).hex()[:n]


class _Batch:
    """Random strings of one size, made 256 at a time from one draw and handed out in
    turn: one id then costs a ``next()`` instead of a draw and an encoding.

    ``next()`` on a list iterator is atomic, so servers in several threads never share
    an id; two threads that empty a batch at once each make a fresh one."""

    def __init__(self, size: int, make: Callable[[int], str], count: int = 256) -> None:
        self.size, self.make, self.count = size, make, count
        self._ids: Iterator[str] = iter(())

    def take(self) -> str:
        try:
            return next(self._ids)
        except StopIteration:
            text, size = self.make(self.size * self.count), self.size
            ids = iter([text[i : i + size] for i in range(0, len(text), size)])
            self._ids = ids
            return next(ids)

    def drop(self) -> None:
        """Forget the ids not handed out yet (a forked child must not repeat them)."""
        self._ids = iter(())


_CHAT = _Batch(29, alnum)
_SHORT = _Batch(24, alnum)
_REQUEST = _Batch(32, _hex)
_ITEM = _Batch(50, _hex)


def _after_fork() -> None:  # forks differ from each other and from their parent
    _RANDOM.seed(os.urandom(32))
    for batch in (_CHAT, _SHORT, _REQUEST, _ITEM):
        batch.drop()


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_after_fork)


def request_id() -> str:
    """``req_`` + 32 hex, the ``x-request-id`` header."""
    return "req_" + _REQUEST.take()


def chat_id() -> str:
    """``chatcmpl-`` + 29 alphanumerics."""
    return "chatcmpl-" + _CHAT.take()


def completion_id() -> str:
    """``cmpl-`` + 24 alphanumerics (legacy Completions)."""
    return "cmpl-" + _SHORT.take()


def call_id() -> str:
    """``call_`` + 24 alphanumerics (a tool call)."""
    return "call_" + _SHORT.take()


def item_id(prefix: str) -> str:
    """Responses API ids: ``resp_``, ``msg_``, ``fc_`` + 50 hex."""
    return prefix + _ITEM.take()


def fingerprint() -> str:
    """``fp_`` + 10 hex, the ``system_fingerprint``: one per process, as the real value
    is one per model deployment."""
    return _FINGERPRINT
