"""The ``x-ratelimit-*`` headers every answer carries (WIRE.md §9 row 3): a per-server
budget of requests and tokens that drains per request and refills over its window,
as the real API's does (``budget.Budget``), and the Go-style durations its reset
headers use (``budget.go_duration``)."""

from __future__ import annotations

from fakeopenai.ratelimits.budget import Budget, go_duration

__all__ = ["Budget", "go_duration"]
