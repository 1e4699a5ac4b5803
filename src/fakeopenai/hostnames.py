"""Which names and addresses are this machine's loopback: the test the DNS-rebinding
guard (``cors.LoopbackHostGuard``) and the control API's write check share.

Exact, never a prefix: ``127.0.0.1.evil.example`` and ``127.evil.example`` are names a
foreign DNS server answers, so a page on that site could point them at 127.0.0.1 and
reach the fake "same-origin". What passes: ``localhost``, an IPv4 literal in
``127.0.0.0/8`` (four decimal octets), ``::1`` (bracketed in a Host header), each with an
optional port.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether a bare host name or address (no port; IPv6 with or without brackets)
    names loopback exactly."""
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if name.lower() == "localhost":
        return True
    if not name or not (name.isascii() and (name[0].isdigit() or ":" in name)):
        return False
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if address.version == 4:  # four decimal octets only: no 127.1, no 0x7f.0.0.1
        parts = name.split(".")
        if len(parts) != 4 or not all(p.isdigit() and str(int(p)) == p for p in parts):
            return False
    return address.is_loopback


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header value without its port (``[::1]:8000`` → ``[::1]``);
    None when the value is not ``name[:port]``."""
    if header.startswith("["):
        name, bracket, rest = header.partition("]")
        if not bracket or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        return f"{name}]"
    name, colon, port = header.partition(":")
    if colon and not (port.isdigit() and port.isascii()):
        return None
    return name


def is_loopback_host_header(header: str) -> bool:
    """Whether a ``Host`` header names loopback exactly (an optional port allowed)."""
    name = host_name(header)
    return name is not None and is_loopback(name)
