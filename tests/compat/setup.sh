#!/usr/bin/env bash
# Installs the clients of the compatibility suite (tests/compat), each step timed:
#   1. the Python clients (requirements.txt) into the current Python environment,
#      which must be the project's venv (openai 3.x lives there);
#   2. openai-python 1.x into its own venv, tests/compat/.work/py1 (git-ignored),
#      from the fully pinned requirements-py1.txt;
#   3. the Node clients into tests/compat/node/node_modules with `npm ci` from the
#      committed package-lock.json (never a global install).
# Steps 2 and 3 are skipped when what they installed still matches its lock file.
# Usage: bash tests/compat/setup.sh [python|py1|node ...]   (default: all three)
# PYTHON selects the interpreter of step 1 (default: python on PATH). When `uv` is on
# PATH it installs the Python packages (same pins, about 20x faster cold than pip here);
# otherwise pip does.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python}"
PY1="$HERE/.work/py1"

step() {  # step NAME COMMAND...: run and time one step
  local name="$1" start ms
  shift
  start=$(date +%s%N)
  "$@"
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'compat setup: %-6s %d.%01d s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100))
}

pip_into() {  # pip_into PYTHON ARGS...: install into the environment of that interpreter
  local target="$1"
  shift
  if command -v uv >/dev/null; then
    # uv does not compile bytecode by default, and .ci/run sets
    # PYTHONDONTWRITEBYTECODE: without --compile-bytecode every run would recompile litellm.
    uv pip install --quiet --compile-bytecode --python "$target" "$@"
  else
    "$PYTHON" -m pip --python "$target" install --quiet --disable-pip-version-check "$@"
  fi
}

python_clients() {
  pip_into "$(command -v "$PYTHON")" -r "$HERE/requirements.txt"
  "$PYTHON" -m pip check
}

py1_venv() {
  if cmp -s "$HERE/requirements-py1.txt" "$PY1/requirements-py1.txt" 2>/dev/null; then
    echo "compat setup: $PY1 is up to date"
    return
  fi
  rm -rf "$PY1"
  mkdir -p "$HERE/.work"
  # No pip inside the venv: uv or the project's pip installs into it (--python),
  # which saves bootstrapping a second pip.
  "$PYTHON" -m venv --without-pip "$PY1"
  pip_into "$PY1/bin/python" --no-deps -r "$HERE/requirements-py1.txt"
  "$PY1/bin/python" -c "import openai, httpx; assert openai.__version__.startswith('1.')"
  cp "$HERE/requirements-py1.txt" "$PY1/requirements-py1.txt"
}

node_clients() {
  command -v node >/dev/null || { echo "compat setup: node is not installed" >&2; return 1; }
  local stamp="$HERE/node/node_modules/.fakeopenai-lock.json"
  if cmp -s "$HERE/node/package-lock.json" "$stamp" 2>/dev/null; then
    echo "compat setup: node_modules is up to date"
    return
  fi
  # --no-audit/--no-fund/--loglevel: quiet; EBADENGINE warnings (packages that ask
  # for Node >= 22 run fine on 20, which the suite proves) are left visible.
  (cd "$HERE/node" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$HERE/node/package-lock.json" "$stamp"
}

[ $# -gt 0 ] || set -- python py1 node
for s in "$@"; do
  case "$s" in
    python) step python python_clients ;;
    py1) step py1 py1_venv ;;
    node) step node node_clients ;;
    *) echo "usage: $0 [python|py1|node ...]" >&2; exit 2 ;;
  esac
done
