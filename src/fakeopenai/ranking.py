"""Which rules came closest to matching a request, best first (for the no-match answer).

A rule earns credit for each condition it passed, weighted by how much the condition
says about the request: text conditions (``last_user``, ``tool_result`` ...) weigh most,
``model`` and ``endpoint`` least, so a rule whose text almost matched outranks one that
only shares the endpoint. A failed text condition still earns part of its weight, by
how much of the expected text appears, in order and in runs of four characters or
more, in what was sent ("tell me a long
story" is close to "Tell me a joke"; "^echo: " is not). Ties go to fewer failed
conditions, then to the rule tried first. Only misses pay for this; ``matches`` stays
the hot path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from fakeopenai.explaining import explain
from fakeopenai.scenario import Match, TextCondition
from fakeopenai.view import RequestView

TEXT_KEYS = ("last_user", "last_message", "system", "any_message", "tool_result")
WEIGHTS: dict[str, float] = {
    **dict.fromkeys(TEXT_KEYS, 4.0),
    "tools": 2.0,
    "tool_choice": 2.0,
    "response_format": 2.0,
    "turn": 2.0,
    "json": 2.0,
    "header": 1.5,
    "stream": 1.0,
    "scenario": 1.0,
    "model": 1.0,
    "endpoint": 0.5,
}
_LONGEST = 2_000  # characters of sent text compared (difflib is quadratic)
_RUN = 4  # shortest run of shared characters that counts as closeness
_FOLDED = 50  # messages (or tool results) of a history searched for a close one


def closeness(cond: TextCondition, text: str | None) -> float:
    """How near ``text`` came to meeting ``cond``: the share of the expected text found
    in it, in order (case-blind), from 0 to 1."""
    wanted = cond.contains or cond.equals or cond.regex
    if not wanted or not text:
        return 0.0
    wanted, text = wanted.casefold()[:_LONGEST], text.casefold()[:_LONGEST]
    matcher = difflib.SequenceMatcher(None, wanted, text, autojunk=False)
    # Runs of four or more characters: a letter or a short word in common says nothing.
    found = sum(block.size for block in matcher.get_matching_blocks() if block.size >= _RUN)
    if cond.equals is not None:  # the whole text counts: extra text is a difference too
        return 2 * found / (len(wanted) + len(text))
    return found / len(wanted)


def _best(cond: TextCondition, texts: Iterable[str]) -> float:
    return max((closeness(cond, text) for text in texts), default=0.0)


def _partial(key: str, cond: Any, view: RequestView) -> float:
    """Credit (0..1) for a failed text condition: how close the nearest text was."""
    if key == "last_user":
        return closeness(cond, view.last_user)
    if key == "system":
        return closeness(cond, view.system)
    if key == "last_message":
        last = view.last_message
        return closeness(cond, last.text) if last and cond.role in (None, last.role) else 0.0
    if key == "any_message":
        texts = (m.text for m in view.messages[-_FOLDED:] if cond.role in (None, m.role))
        return _best(cond, texts)
    if key == "tool_result":
        return _best(cond, (r.content for r in view.tool_results[-_FOLDED:]))
    return 0.0


def score(match: Match, view: RequestView) -> tuple[float, list[str]]:
    """The rule's credit for this request, and why it failed (``explain``'s lines)."""
    failures = explain(match, view)
    failed = {line.split(":")[0].split()[0] for line in failures}
    total = 0.0
    for key in match.model_dump(exclude_none=True, by_alias=True):
        credit = 1.0 if key not in failed else _partial(key, getattr(match, _field(key)), view)
        total += WEIGHTS.get(key, 1.0) * credit
    return total, failures


def _field(key: str) -> str:
    return "json_body" if key == "json" else key


def closest(
    matches: Iterable[tuple[Match, Any]], view: RequestView, limit: int = 3
) -> list[tuple[Any, list[str]]]:
    """Up to ``limit`` of ``(match, tag)`` pairs, closest first, each with its failures."""
    ranked = []
    for order, (match, tag) in enumerate(matches):
        credit, failures = score(match, view)
        ranked.append((-credit, len(failures), order, tag, failures))
    ranked.sort(key=lambda item: item[:3])
    return [(tag, failures) for _, _, _, tag, failures in ranked[:limit]]
