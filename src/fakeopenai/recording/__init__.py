"""Record and replay (SPEC §5): scenarios captured from real traffic.

Top down (each module imports only those below it):

- ``commands``: ``fakeopenai record`` and ``fakeopenai import`` (click only at import).
- ``modes``: the pytest record modes (pytest and the stdlib only at import); ``gate``:
  their switch in front of the session's server, replaying or forwarding each request.
- ``server``: ``RecordingServer``, the proxy in a background thread, for Python code.
- ``proxy``: the recording proxy (an ASGI app): forwards each API request upstream,
  passes the answer through as it arrives, records the ``Exchange``; ``upstream`` (the
  httpx side, its sockets on plain asyncio through ``network``, opened by ``connect``)
  and ``passthrough`` (the client side) serve it; ``recorder``: the one thread
  recording work runs in, off the event loop.
- ``importing``: VCR cassettes → exchanges; one module per response layout
  (``cassette_requests``, ``cassette_httpx``, ``cassette_aiohttp``, sharing
  ``cassette_common``); ``vcryaml`` reads cassettes safely.
- ``recfile``: the recorded scenario file, rewritten atomically after each exchange;
  ``yamlout``: YAML for people (block scalars, flow style for short things).
- ``convert``: an exchange → a rule (``match`` from the request, ``reply`` from the
  answer); ``assemble``: bodies and stream frames → replies; ``exchange``: the recorded
  exchange and the SSE splitter; ``redact``: what never reaches disk.

httpx is imported only when a recording runs (the ``record`` extra).
"""
