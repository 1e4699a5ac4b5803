"""Which files a scenario path stands for, and reading them as text.

A directory loads every ``*.yaml``/``*.yml`` in it, sorted by name; hidden files are
editor backups and lock files, never scenarios. ``--reload`` watches the same files.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fakeopenai.budgets.limits import MAX_SCENARIO_BYTES
from fakeopenai.errors import Issue

SUFFIXES = (".yaml", ".yml")


def is_scenario_file(path: Path) -> bool:
    """Whether a directory entry is a scenario the loader would load."""
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def scenario_files(source: str) -> tuple[list[tuple[str, Path]], list[Issue]]:
    """The files a path stands for, each with its source name; or why there are none."""
    path = Path(source)
    if not path.is_dir():
        if path.exists():
            return [(source, path)], []
        return [], [Issue(source, None, "", "no such file or directory")]
    try:
        children = sorted(path.iterdir(), key=lambda child: child.name)
    except OSError as exc:
        return [], [Issue(source, None, "", f"cannot list directory: {exc.strerror or exc}")]
    # Hidden files are editor backups and lock files, never scenarios.
    files = [
        (os.path.join(source, child.name), child)
        for child in children
        if is_scenario_file(child) and child.is_file()
    ]
    if not files:
        return [], [Issue(source, None, "", "no *.yaml or *.yml files in this directory")]
    return files, []


def read_text(path: Path, source: str) -> tuple[str, Issue | None]:
    """A file's text (UTF-8, a BOM allowed), or the issue that stops reading it.

    Only a regular file is read (a symlink to one is fine), and at most
    ``MAX_SCENARIO_BYTES`` of it: a FIFO would block ``check`` forever and
    ``/dev/zero`` would fill its memory."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return "", Issue(source, None, "", f"cannot read: {exc.strerror or exc}")
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO, device or socket"
            return "", Issue(source, None, "", f"not a regular file ({kind}): give a scenario file")
        raw = file.read(MAX_SCENARIO_BYTES + 1)
    if len(raw) > MAX_SCENARIO_BYTES:
        return "", Issue(
            source, None, "", f"larger than {MAX_SCENARIO_BYTES:,} bytes: split it into files"
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", Issue(source, line, "", f"not UTF-8 text (byte {raw[exc.start]:#04x})")
