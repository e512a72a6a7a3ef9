"""Addresses users typed are called only when they are public, or this install's own, or allowed."""

import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import outbound


@pytest.fixture(autouse=True)
def _nothing_allowed(settings) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost:5432/",
        "http://10.1.2.3/admin",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]:8080/",
        "http://0.0.0.0/",
        "http://127.0.0.1:8001/",  # this install's host, another port
    ],
)
def test_the_servers_own_network_is_refused(url):
    with pytest.raises(outbound.Refused, match="own network"):
        outbound.check(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/", "http:///nohost"])
def test_only_http_and_https_are_called(url):
    with pytest.raises(outbound.Refused, match="only http and https"):
        outbound.check(url)


def test_a_name_that_cannot_be_found_is_refused_clearly():
    with pytest.raises(outbound.Refused, match="could not be found"):
        outbound.check("http://no-such-host.invalid/")


def test_public_addresses_this_install_and_listed_hosts_are_called(settings):
    outbound.check("https://93.184.216.34/orders/1")  # a public address
    outbound.check("http://127.0.0.1:8000/demo/api/orders/1042")  # PUBLIC_URL: the demo shop's service

    settings.OUTBOUND_ALLOWED_HOSTS = ["crm.office.lan", "10.20.0.0/16"]
    outbound.check("http://10.20.5.6:8080/api")
    outbound.check("http://CRM.office.lan/api")  # listed by name: not resolved
    with pytest.raises(outbound.Refused):
        outbound.check("http://10.21.0.1/")


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Redirect)  # the whole of 127/8 is this machine
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_address[1]}/"
    server.shutdown()


def test_a_redirect_to_the_servers_own_network_is_refused(settings, redirecting):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.2"]
    _Redirect.target = "http://169.254.169.254/latest/meta-data/"

    with pytest.raises(outbound.Refused, match=r"169\.254\.169\.254 is on this server's own network"):
        outbound.urlopen(urllib.request.Request(redirecting), timeout=2)  # noqa: S310 - the point of the test


def test_a_call_connects_to_the_address_it_checked_from_one_answer_of_the_name_server(monkeypatch):
    asked: list[str] = []

    def name_server(host, port, *args, **kwargs):  # this machine, for a name that looks like any other
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", name_server)

    with pytest.raises(outbound.Refused, match=r"own network \(127\.0\.0\.1\)"):
        outbound.urlopen(urllib.request.Request("http://rebind.example/"), timeout=2)
    assert asked == ["rebind.example"]  # no second answer that could differ from the one checked
