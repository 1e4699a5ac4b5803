"""Replies the real API could not have sent for their request, found and explained.

``reply_warnings(view, filled, rule)`` lists what contradicts what (text under a forcing
``tool_choice``, a call to a function the request did not offer or under ``tool_choice:
none``, JSON that breaks a strict ``json_schema`` or a strict tool's parameters); the app
answers as scripted and puts them in the journal entry's ``warnings``.
``conform.violation`` is the strict-mode JSON Schema check behind the last two.
"""

from __future__ import annotations

from fakeopenai.plausible.checks import contradictions, reply_warnings

__all__ = ["contradictions", "reply_warnings"]
