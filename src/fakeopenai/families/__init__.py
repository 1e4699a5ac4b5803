"""What the real API does differently per model: the dated snapshot an alias answers
with (``snapshots``) and each model family's quirks on the wire (``quirks``).

Both are small tables, the one place to extend when OpenAI ships a model; every wire
builder asks them through ``snapshot(name)`` and ``family_of(model)``.
"""

from __future__ import annotations

from fakeopenai.families.quirks import Family, family_of
from fakeopenai.families.snapshots import SNAPSHOTS, snapshot

__all__ = ["SNAPSHOTS", "Family", "family_of", "snapshot"]
