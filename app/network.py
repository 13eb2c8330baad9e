"""This server's own address: where phones reach it when no public URL is configured."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import subprocess

from starlette.types import Scope


@functools.cache
def lan_address() -> str | None:
    """This machine's address on the local network, read from its interfaces (no traffic sent).
    Read once per process: `hostname -I` is a subprocess."""
    candidates: list[str] = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=2).stdout
        candidates += out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    with contextlib.suppress(OSError):
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    for address in candidates:
        if "." in address and not address.startswith(("127.", "169.254.")):
            return address
    return None


def own_base_url(scope: Scope) -> str:
    """The base URL of the socket this request came in on (the server's own address and port,
    never the Host header, which the client writes). A loopback address means nothing to a
    phone, so the LAN address stands in for it."""
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    server = scope.get("server")
    host, port = (str(server[0]), server[1]) if server else ("127.0.0.1", None)
    if _loopback_or_any(host):
        host = lan_address() or host
    if ":" in host:  # IPv6
        host = f"[{host}]"
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port in (None, default_port) else f"{scheme}://{host}:{port}"


def _loopback_or_any(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return address.is_loopback or address.is_unspecified
