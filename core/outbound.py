"""Calls this server makes to addresses its users typed (a bot's web service, a Slack webhook).

Such an address must not reach the server's own network: a bot built in one workspace could otherwise read
the cloud's metadata service (169.254.169.254), a database's admin page or another install's internals.
Loopback, private, link-local and other non-public addresses are refused, at every redirect too, except
this install's own PUBLIC_URL (the demo shop's order service lives there) and the hosts or networks an
operator lists in OUTBOUND_ALLOWED_HOSTS (a CRM on the office network, say).

The name is resolved and checked just before the call; a name server that answers differently a moment
later could still slip past (DNS rebinding): list internal services by address instead of relying on it.
"""

import ipaddress
import socket
import urllib.request
from http.client import HTTPResponse
from urllib.error import URLError
from urllib.parse import urlsplit

from django.conf import settings


class Refused(URLError):
    """The address is not one this server calls."""


def check(url: str) -> None:
    """Refused unless `url` is http(s) to a public address or an allowed one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"only http and https addresses are called, not {url[:100]!r}")
    host = parts.hostname.lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if _own(host, port) or host in _allowed_names():
        return
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{host} could not be found: {error}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
        if not ip.is_global and not any(ip in network for network in _allowed_networks()):
            raise Refused(f"{host} is on this server's own network ({ip}); list it in OUTBOUND_ALLOWED_HOSTS")


def urlopen(request: urllib.request.Request, *, timeout: float) -> HTTPResponse:
    """urllib's urlopen, with `check` before the call and before following each redirect."""
    check(request.full_url)
    return _OPENER.open(request, timeout=timeout)  # type: ignore[no-any-return]


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_CheckedRedirects())


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
