"""Pure builders of OpenAI wire bytes, one module per API family.

Nothing here does I/O: every function takes plain data (a ``Filled`` reply, ids, flags)
and returns dicts, bytes or frames, so each is unit-tested without a socket.
"""
