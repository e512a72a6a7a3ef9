"""Calls this server makes to addresses its users typed (a bot's web service, a Slack webhook, a model server).

Such an address must not reach the server's own network: a bot built in one workspace could otherwise read
the cloud's metadata service (169.254.169.254), a database's admin page or another install's internals.
Loopback, private, link-local and other non-public addresses are refused, except this install's own
PUBLIC_URL (the demo shop's order service lives there) and the hosts or networks an operator lists in
OUTBOUND_ALLOWED_HOSTS (a CRM on the office network, say).

`urlopen` checks the very address each connection goes to, redirects' too, so a name server answering one
address for the check and another for the call (DNS rebinding) gains nothing. `check` alone (before an httpx
call) resolves the name a moment before the call does.
"""

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from django.conf import settings


class Refused(URLError):
    """The address is not one this server calls."""


def check(url: str) -> None:
    """Refused unless `url` is http(s) to a public address or an allowed one."""
    _address_to_call(*_host_and_port(url))


def urlopen(request: urllib.request.Request, *, timeout: float) -> http.client.HTTPResponse:
    """urllib's urlopen, every connection (redirects' too) made to an address checked as it is made, from the
    one answer of the name server."""
    _host_and_port(request.full_url)  # anything but http(s) is refused before anything is sent
    try:
        return _OPENER.open(request, timeout=timeout)  # type: ignore[no-any-return]
    except URLError as error:
        if isinstance(error.reason, Refused):  # urllib wraps what the connection raised
            raise error.reason from None
        raise


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"only http and https addresses are called, not {url[:100]!r}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _address_to_call(host: str, port: int) -> str:
    """The address to connect to for host:port: the name itself when it is allowed as such, else the first
    address it resolves to, all of them checked."""
    host = host.lower()
    if _own(host, port) or host in _allowed_names():
        return host
    try:
        found = [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{host} could not be found: {error}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
        if not ip.is_global and not any(ip in network for network in _allowed_networks()):
            raise Refused(f"{host} is on this server's own network ({ip}); list it in OUTBOUND_ALLOWED_HOSTS")
    return found[0]


def _connect(address: tuple[str, int], *args: Any) -> socket.socket:
    host, port = address
    return socket.create_connection((_address_to_call(host, port), port), *args)


class _Checked:
    """An http.client connection that connects through `_connect` (TLS still checks the name it was given)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _CheckedHTTPConnection(_Checked, http.client.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, http.client.HTTPSConnection):
    pass


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


_OPENER = urllib.request.build_opener(_CheckedHTTPHandler, _CheckedHTTPSHandler)


def _own(host: str, port: int) -> bool:
    public = urlsplit(settings.PUBLIC_URL)
    own_port = public.port or (443 if public.scheme == "https" else 80)
    return host == (public.hostname or "").lower() and port == own_port


def _allowed_names() -> set[str]:
    return {entry.lower() for entry in settings.OUTBOUND_ALLOWED_HOSTS if not _network(entry)}


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [network for entry in settings.OUTBOUND_ALLOWED_HOSTS if (network := _network(entry))]


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
