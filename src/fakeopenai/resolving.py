"""Scenario paths as the pytest plugin resolves them (pytest and the stdlib only)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def resolve(paths: Sequence[str | os.PathLike[str]], bases: Sequence[Path]) -> tuple[str, ...]:
    """Absolute paths: each relative one against the first base where it exists (else
    the first base, so the loader's "no such file" names a real location)."""
    resolved = []
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            candidates = [base / path for base in bases]
            path = next((c for c in candidates if c.exists()), candidates[0])
        resolved.append(str(path))
    return tuple(resolved)
