"""Short, plausible code snippets for fenced blocks (written for fakeopenai).

Each snippet is a template in one language; names come from small pools (an ``order``,
``fetch_order``, ``ORDERS``...) and numbers from the seeded Faker, so two answers rarely
show the same block. The snippets are syntactically sound in their language, as a
reader would expect from an assistant, but nothing runs them.
"""

from __future__ import annotations

import random
from typing import Any

from fakeopenai.generate.answers.phrases import NOUNS, VERBS

PYTHON = (
    '''def {verb}_{noun}({noun}_id: int, retries: int = {small}) -> dict:
    """{Verb} one {noun}, retrying on timeouts."""
    for attempt in range(retries):
        try:
            return client.get(f"/{nouns}/{{{noun}_id}}", timeout={seconds})
        except TimeoutError:
            time.sleep(2 ** attempt)
    raise RuntimeError("gave up after {{}} attempts".format(retries))''',
    """from dataclasses import dataclass


@dataclass
class {Noun}:
    id: int
    name: str
    total: float = 0.0

    def is_large(self) -> bool:
        return self.total > {big}""",
    """{nouns} = [{noun} for {noun} in load_{nouns}() if {noun}["active"]]
by_owner = {{}}
for {noun} in {nouns}:
    by_owner.setdefault({noun}["owner"], []).append({noun})
print(f"{{len({nouns})}} active, {{len(by_owner)}} owners")""",
)
JAVASCRIPT = (
    """async function {verb}{Noun}(id) {{
  const response = await fetch(`/api/{nouns}/${{id}}`);
  if (!response.ok) {{
    throw new Error(`{verb} failed: ${{response.status}}`);
  }}
  return response.json();
}}""",
    """const {nouns} = items
  .filter((item) => item.total > {small})
  .map((item) => ({{ id: item.id, label: item.name.trim() }}));

console.log(`${{{nouns}.length}} {nouns} ready`);""",
    """export function {Noun}List({{ {nouns} }}) {{
  if ({nouns}.length === 0) {{
    return <p>No {nouns} yet.</p>;
  }}
  return (
    <ul>
      {{{nouns}.map(({noun}) => (
        <li key={{{noun}.id}}>{{{noun}.name}}</li>
      ))}}
    </ul>
  );
}}""",
)
TYPESCRIPT = (
    """interface {Noun} {{
  id: number;
  name: string;
  createdAt: Date;
}}

export function latest(items: {Noun}[], count = {small}): {Noun}[] {{
  return [...items]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, count);
}}""",
    """type Result<T> = {{ ok: true; value: T }} | {{ ok: false; error: string }};

export async function {verb}{Noun}(id: number): Promise<Result<{Noun}>> {{
  try {{
    return {{ ok: true, value: await api.{nouns}.get(id) }};
  }} catch (err) {{
    return {{ ok: false, error: String(err) }};
  }}
}}""",
)
BASH = (
    """python -m venv .venv
source .venv/bin/activate
pip install -r requirements.txt
pytest -q""",
    """#!/usr/bin/env bash
set -euo pipefail

for file in data/*.csv; do
  echo "{verb}ing $file"
  ./{verb}-{noun} --input "$file" --limit {big}
done""",
    """curl -s http://localhost:{port}/api/{nouns} \\
  -H "Content-Type: application/json" \\
  -d '{{"name": "{name}", "limit": {small}}}'""",
)
JSON = (
    """{{
  "id": {big},
  "name": "{name}",
  "city": "{city}",
  "active": true,
  "tags": ["{noun}", "{verb}"]
}}""",
    """{{
  "{noun}": {{
    "retries": {small},
    "timeout_seconds": {seconds},
    "endpoint": "https://api.example.com/{nouns}"
  }}
}}""",
)
SQL = (
    """SELECT owner, COUNT(*) AS {nouns}, SUM(total) AS revenue
FROM {nouns}
WHERE created_at >= CURRENT_DATE - INTERVAL '{small} days'
GROUP BY owner
ORDER BY revenue DESC
LIMIT {small};""",
    """CREATE INDEX idx_{nouns}_owner ON {nouns} (owner_id, created_at);""",
)
YAML = (
    """{noun}:
  retries: {small}
  timeout: {seconds}s
  owner: {name}
  regions:
    - {city}""",
    """name: tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e '.[test]'
      - run: pytest -q --maxfail={small}""",
)
GO = (
    """func {Verb}{Noun}(ctx context.Context, id int) (*{Noun}, error) {{
	ctx, cancel := context.WithTimeout(ctx, {seconds}*time.Second)
	defer cancel()
	return store.Get(ctx, id)
}}""",
    """func handle{Noun}s(w http.ResponseWriter, r *http.Request) {{
	{nouns}, err := store.List(r.Context(), {small})
	if err != nil {{
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode({nouns})
}}""",
)

SNIPPETS: dict[str, tuple[str, ...]] = {
    "python": PYTHON,
    "javascript": JAVASCRIPT,
    "typescript": TYPESCRIPT,
    "bash": BASH,
    "json": JSON,
    "sql": SQL,
    "yaml": YAML,
    "go": GO,
}
# How often each language comes up: roughly what a developer assistant is asked about.
WEIGHTS = {
    "python": 6,
    "javascript": 4,
    "typescript": 2,
    "bash": 4,
    "json": 3,
    "sql": 3,
    "yaml": 1,
    "go": 1,
}


def language(rng: random.Random) -> str:
    """A language, weighted by how often answers show one."""
    return rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]


def snippet(rng: random.Random, fake: Any, lang: str | None = None) -> tuple[str, str]:
    """``(language, code)``: a snippet in ``lang`` (else a weighted pick)."""
    lang = lang or language(rng)
    noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
    code = rng.choice(SNIPPETS[lang]).format(
        noun=noun,
        Noun=noun.capitalize(),
        nouns=noun + "s",
        verb=verb,
        Verb=verb.capitalize(),
        small=rng.randint(2, 9),
        big=fake.random_int(100, 9999),
        seconds=rng.choice((5, 10, 15, 30)),
        port=rng.choice((3000, 5000, 8000, 8080)),
        name=fake.first_name(),
        city=fake.city(),
    )
    return lang, code


def fenced(lang: str, code: str) -> str:
    """``code`` as a fenced block with its language."""
    return f"```{lang}\n{code}\n```"
