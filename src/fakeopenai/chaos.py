"""Seeded chaos: a repeatable fraction of a rule's requests become errors or faults.

``chaos: {rate, statuses, faults, seed}`` sits on a scenario (every rule of it) or on
one rule. Whether the n-th request a rule matched is hit, and by what, is a pure
function of ``(seed, owner, n)`` hashed with BLAKE2b, where ``owner`` is
``scenario/rule`` and ``n`` is the rule's own request counter (per
``X-Fakeopenai-Session``). Nothing is drawn from a random state shared between
requests, so the schedule is the same on every run and on every server, whatever the
timing, the concurrency or the traffic other rules and scenarios see.

A hit picks uniformly among the scripted ``statuses`` (an error with the real API's
body for that status) and the fault kinds in ``faults``. A streamed fault strikes
after 0 to 4 content pieces (drawn too); a non-streamed one at the very start: no
response at all (``disconnect``, ``stall``), an empty or broken body (``truncate``,
``malformed``), or a 200 carrying an error (``error_event``).
"""

from __future__ import annotations

import hashlib

from fakeopenai.record import record
from fakeopenai.scenario import Chaos, ErrorSpec, Fault, Reply

# A chaos fault on a stream strikes after 0..MAX_AFTER content pieces.
MAX_AFTER = 4


@record
class Draw:
    """The three numbers one request's chaos decision is made from."""

    roll: float  # uniform in [0, 1): the request is hit when roll < rate
    pick: int  # which outcome, modulo the number of outcomes
    after: int  # a fault's N, in 0..MAX_AFTER


def draw(seed: int | None, owner: str, count: int) -> Draw:
    """The decision numbers for the ``count``-th request (0-based) of ``owner``."""
    key = f"fakeopenai-chaos\x1f{seed}\x1f{owner}\x1f{count}".encode()
    digest = hashlib.blake2b(key, digest_size=16).digest()
    roll = int.from_bytes(digest[:8], "big") / 2**64
    pick = int.from_bytes(digest[8:12], "big")
    return Draw(roll, pick, digest[12] % (MAX_AFTER + 1))


def chaos_reply(
    spec: Chaos,
    owner: str,
    count: int,
    *,
    stream: bool,
    seed: int | None,
    base: Reply | None = None,
) -> Reply | None:
    """The chaos reply for this request, or None when chaos spares it.

    ``seed`` is used when the chaos block has none of its own. ``base`` is the reply
    the rule would have given: a fault keeps its content and latency (without it, the
    faulty answer is generated text). A fault never turns a scripted error into a
    success: on an error reply only the statuses are drawn from.
    """
    numbers = draw(spec.seed if spec.seed is not None else seed, owner, count)
    if numbers.roll >= spec.rate:
        return None
    faults: list[str] = list(spec.faults)
    if base is not None and base.error is not None:
        faults = []
    outcomes: list[int | str] = [*spec.statuses, *faults]
    if not outcomes:
        return None
    outcome = outcomes[numbers.pick % len(outcomes)]
    if isinstance(outcome, int):
        return Reply.model_validate({"error": ErrorSpec.model_validate({"status": outcome})})
    after = numbers.after if stream else 0
    fault = Fault.model_validate({f"{outcome}_after": after})
    reply = base if base is not None else Reply.model_validate({})
    return reply.model_copy(update={"fault": fault, "error": None})
