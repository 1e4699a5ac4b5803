"""One function call in a child process of its own, for work that holds the GIL.

A worker thread keeps the event loop free only while its work lets go of the GIL now and
then. libyaml's parser does not: it holds the GIL for a whole scalar, so a 30 MB one
stalled every other thread for 0.3-0.8 s, the event loop's included (health checks,
streams). ``call_in_child`` runs such a call in a fresh ``python`` beside the server
instead; the call and its result travel as pickles over the child's stdin and stdout
(both ends are this package's code: nothing a client sent is unpickled).

A child costs an interpreter start and the target's imports (~0.5-1 s of CPU), so it
is for large inputs only; the caller decides which.
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from typing import Any

CHILD_TIMEOUT = 120.0  # seconds one call may take before its child is killed

# The child's program: read the call, take the parent's import path, run the call.
_BOOT = (
    "import pickle, sys; call = pickle.load(sys.stdin.buffer); sys.path[:0] = call['path']; "
    "from fakeopenai.budgets.process import serve_call; serve_call(call)"
)


class ChildFailed(Exception):
    """The child process gave no result: it could not start, was killed or crashed."""


def call_in_child(target: str, *args: Any, timeout: float = CHILD_TIMEOUT) -> Any:
    """``target(*args)`` (``"package.module:function"``) run in a child process; its
    return value (picklable, as ``args`` must be). Blocks: call it from a worker thread.
    Raises ``ChildFailed`` when no result comes back within ``timeout`` seconds."""
    if not sys.executable:  # an embedded interpreter: no python to start
        raise ChildFailed("no Python executable to start a child process with")
    call = {"path": sys.path, "target": target, "args": args}
    payload = pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BOOT],
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:  # (run kills the child before raising)
        raise ChildFailed(f"it took longer than {timeout:g} s") from None
    except OSError as exc:
        raise ChildFailed(f"no child process could start ({exc})") from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = f": {said[-1]}" if said else ""
        raise ChildFailed(f"its child process ended with status {done.returncode}{last}")
    return pickle.loads(done.stdout)


def serve_call(call: dict[str, Any]) -> None:
    """The child's side: run the call, write its pickled result to stdout."""
    module, _, name = call["target"].partition(":")
    function = getattr(importlib.import_module(module), name)
    result = function(*call["args"])
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
