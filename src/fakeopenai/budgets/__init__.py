"""The time and memory limits every regex, template, request and connection shares.

- ``regex``: scenario ``regex:`` conditions and JSON Schema ``pattern`` checks run on the
  ``regex`` engine with a timeout (Python's ``re`` syntax, lookarounds included).
- ``template``: the CPU and size budget of one answer's template renders (a traced CPU
  deadline; ``charge`` for what grows).
- ``limits``: the real API's request limits (embeddings inputs and tokens, ``n``,
  prompts) and the fake's own bounds on what it reads (scenario size, nesting, aliases).
- ``bodies``: large request bodies cut, shape kept, for the journal.
- ``connections``: head and body timeouts, the connection cap, malformed requests.
- ``garbage``: a full collection after every 64 MB of large request bodies.
- ``process``: one call in a child process, for work that holds the GIL (large PUTs).

Each module is leaf-level: it imports nothing else from fakeopenai but ``errors``.
docs/reference/limits.md lists every bound.
"""
