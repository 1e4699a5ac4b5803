"""Record and replay (SPEC §5): scenarios captured from real traffic.

- ``proxy``: the recording proxy (``fakeopenai record``): forwards each API request to an
  upstream with httpx, passes the answer through as it arrives, and hands the
  ``Exchange`` to a ``RecordingFile``.
- ``convert``: an exchange → a rule (``match`` from the request, ``reply`` from the answer).
- ``recfile``: the recorded scenario file, rewritten atomically after each exchange.
- ``redact``: what never reaches disk (keys, cookies, ``--redact`` names).
- ``importing``: VCR cassettes (vcrpy, pytest-recording) → the same rules.
- ``modes``: the pytest record modes (``--fakeopenai-record``).

httpx is imported only when a recording runs (the ``record`` extra).
"""
