"""Identifiers shaped like the real API's (prefix + random alphanumerics or hex)."""

from __future__ import annotations

import random
import secrets
import string

_ALNUM = string.ascii_letters + string.digits


# Ids must be unique, not secret: a fast generator seeded from the OS is enough, and
# secrets.choice per character cost more than the rest of a scripted reply.
_RANDOM = random.Random(secrets.randbits(128))


def alnum(n: int) -> str:
    """``n`` random letters and digits (the shape of ``chatcmpl-``/``call_`` suffixes)."""
    return "".join(_RANDOM.choices(_ALNUM, k=n))


def request_id() -> str:
    """``req_`` + 32 hex, the ``x-request-id`` header."""
    return "req_" + secrets.token_hex(16)


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
    return prefix + secrets.token_hex(25)


def fingerprint() -> str:
    """``fp_`` + 10 hex, the ``system_fingerprint``."""
    return "fp_" + secrets.token_hex(5)
