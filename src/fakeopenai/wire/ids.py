"""Identifiers shaped like the real API's (prefix + random alphanumerics or hex)."""

from __future__ import annotations

import os
import random
from binascii import b2a_base64

# Ids must be unique, not secret, and they are made several times per request: a
# private generator seeded from the OS (a test's random.seed() cannot make ids repeat),
# base64-encoded with the three non-alphanumeric symbols mapped to letters, costs well
# under a microsecond; a system call per id (os.urandom) costs several.
_RANDOM = random.Random(os.urandom(32))
if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=lambda: _RANDOM.seed(os.urandom(32)))  # forks differ
_TO_ALNUM = bytes.maketrans(b"+/=", b"xQ7")
_FINGERPRINT = "fp_" + os.urandom(5).hex()


def alnum(n: int) -> str:
    """``n`` random letters and digits (the shape of ``chatcmpl-``/``call_`` suffixes)."""
    raw = b2a_base64(_RANDOM.randbytes(n * 3 // 4 + 3), newline=False)
    return raw.translate(_TO_ALNUM)[:n].decode()


def request_id() -> str:
    """``req_`` + 32 hex, the ``x-request-id`` header."""
    return f"req_{_RANDOM.getrandbits(128):032x}"


def chat_id() -> str:
    """``chatcmpl-`` + 29 alphanumerics."""
    return "chatcmpl-" + alnum(29)


def completion_id() -> str:
    """``cmpl-`` + 24 alphanumerics (legacy Completions)."""
    return "cmpl-" + alnum(24)


def call_id() -> str:
    """``call_`` + 24 alphanumerics (a tool call)."""
    return "call_" + alnum(24)


def item_id(prefix: str) -> str:
    """Responses API ids: ``resp_``, ``msg_``, ``fc_`` + 50 hex."""
    return prefix + _RANDOM.randbytes(25).hex()


def fingerprint() -> str:
    """``fp_`` + 10 hex, the ``system_fingerprint``: one per process, as the real value
    is one per model deployment."""
    return _FINGERPRINT
