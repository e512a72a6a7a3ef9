"""The load generator's HTTP client for the measured requests: keep-alive HTTP/1.1 POSTs on asyncio protocols.

httpx spends about 1.5 ms of CPU on a request (its pool, anyio, h11); at 300 messages a second that kept the load
generator's one thread saturated, and the requests it had not sent yet counted as the server's latency. Here a
request is one write and httptools' C parser reads the answer: a few tens of microseconds.

One request at a time on a connection; at most `connections` connections a server, and a request that waits for
one is already counting its time. A connection idle for `idle_expiry` seconds is closed rather than reused, as
browsers do, since the server may be closing it at that moment (uvicorn drops idle keep-alive connections after
5 s). A timed-out request takes its connection with it, so nothing late is ever read as the next answer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools


@dataclass(frozen=True)
class Response:
    status: int
    content: bytes


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.body = bytearray()
        self.answer: asyncio.Future[Response] | None = None
        self.closed = False
        self.last_used = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection: a Transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"malformed HTTP response: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError("the server closed the connection"))

    # httptools' callbacks
    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(Response(self.parser.get_status_code(), bytes(self.body)))
        if not self.parser.should_keep_alive():
            self.close()

    def request(self, head: bytes, body: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None
        self.body.clear()
        self.answer = asyncio.get_running_loop().create_future()
        if self.closed:  # went away since it was taken: fail now, not at the timeout
            self.answer.set_exception(ConnectionError("the server closed the connection"))
        else:
            self.transport.write(head + body)
        return self.answer

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: Exception) -> None:
        self.close()
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)


class _Pool:
    def __init__(self, host: str, port: int, size: int, idle_expiry: float) -> None:
        self.host, self.port = host, port
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(size)
        self.idle_expiry = idle_expiry

    async def take(self) -> _Connection:
        await self.slots.acquire()
        try:
            while self.idle:
                connection = self.idle.pop()  # the most recently used: the least likely to be expiring
                if not connection.closed and time.monotonic() - connection.last_used < self.idle_expiry:
                    return connection
                connection.close()
            _, connection = await asyncio.get_running_loop().create_connection(_Connection, self.host, self.port)
            return connection
        except BaseException:
            self.slots.release()
            raise

    def give_back(self, connection: _Connection, *, reuse: bool) -> None:
        if reuse and not connection.closed:
            connection.last_used = time.monotonic()
            self.idle.append(connection)
        else:
            connection.close()
        self.slots.release()

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


class KeepAliveClient:
    def __init__(self, connections: int, *, idle_expiry: float = 4.0) -> None:
        self.connections = connections
        self.idle_expiry = idle_expiry
        self.pools: dict[tuple[str, int], _Pool] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
        """POST `body` to `url` (http://host:port/path); raises TimeoutError after `timeout` seconds,
        waiting for a free connection included, and ConnectionError when the transport fails."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        pool = self.pools.get((host, port))
        if pool is None:
            pool = self.pools[(host, port)] = _Pool(host, port, self.connections, self.idle_expiry)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        async with asyncio.timeout(timeout):
            connection = await pool.take()
            answered = False
            try:
                response = await connection.request(head, body)
                answered = True
                return response
            finally:
                pool.give_back(connection, reuse=answered)

    async def aclose(self) -> None:
        for pool in self.pools.values():
            pool.close()

    async def __aenter__(self) -> KeepAliveClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
