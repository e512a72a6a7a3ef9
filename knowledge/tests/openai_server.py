"""A local server speaking OpenAI's embeddings and chat-completions protocol, for the providers' tests.

Embeddings: a hashed bag of words (words in common make vectors close), except the texts given a vector in
`OpenAI.vectors`. Chat: `OpenAI.chat` is the reply's content, or one of "error", "unauthorized", "garbage",
"slow". Every request is kept in `OpenAI.seen`.
"""

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

DIMENSION = 64


def bag_of_words(text: str) -> list[float]:
    vector = [0.0] * DIMENSION
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
    return vector if any(vector) else [1.0] + [0.0] * (DIMENSION - 1)


class OpenAI(BaseHTTPRequestHandler):
    vectors: ClassVar[dict[str, list[float]]] = {}
    embeddings: ClassVar[str] = "ok"  # ok | error | slow
    chat: ClassVar[str] = "ok"
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        OpenAI.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.path == "/v1/embeddings":
            if self.embeddings == "error":
                return self._send(500, {"error": {"message": "overloaded"}})
            if self.embeddings == "slow":
                time.sleep(2)
            texts = body["input"]
            data = [{"index": i, "embedding": self.vectors.get(t) or bag_of_words(t)} for i, t in enumerate(texts)]
            return self._send(200, {"object": "list", "data": data, "model": body["model"]})
        if self.path == "/v1/chat/completions":
            if self.chat == "error":
                return self._send(500, {"error": {"message": "internal error"}})
            if self.chat == "unauthorized":
                return self._send(401, {"error": {"message": "invalid api key"}})
            if self.chat == "garbage":
                return self._send(200, "<html>not json</html>")
            if self.chat == "slow":
                time.sleep(2)
            message = {"role": "assistant", "content": self.chat}
            return self._send(200, {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})
        self._send(404, {"error": {"message": "not found"}})

    def _send(self, status: int, payload: object) -> None:
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Server:
    url: str  # the base URL, ending in /v1
    httpd: ThreadingHTTPServer

    def requests(self, path: str) -> list[dict[str, Any]]:
        return [r for r in OpenAI.seen if r["path"].endswith(path)]

    def stop(self) -> None:
        """Nothing listens on its port any more."""
        self.httpd.shutdown()
        self.httpd.server_close()


def serve() -> Iterator[Server]:
    """A fixture's body: the server on a free port, fresh behaviour, stopped afterwards."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OpenAI)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    OpenAI.vectors, OpenAI.embeddings, OpenAI.chat, OpenAI.seen = {}, "ok", "ok", []
    server = Server(f"http://127.0.0.1:{httpd.server_address[1]}/v1", httpd)
    yield server
    if httpd.socket.fileno() != -1:
        server.stop()
