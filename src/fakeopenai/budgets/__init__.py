"""The time and memory limits every regex, template and request shares.

- ``regex``: scenario ``regex:`` conditions and JSON Schema ``pattern`` checks run on the
  ``regex`` engine with a timeout (Python's ``re`` syntax, lookarounds included).
- ``template``: the CPU and size budget of one template render (checkpoints the sandbox
  calls, cumulative characters built).
- ``limits``: the real API's request limits (embeddings inputs, ``n``, prompts) and the
  fake's own bounds on what it reads (scenario size, nesting, YAML aliases).

Each module is leaf-level: it imports nothing else from fakeopenai but ``errors``.
"""
