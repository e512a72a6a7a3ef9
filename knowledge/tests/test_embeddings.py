"""An OpenAI-compatible embeddings endpoint, as a local HTTP server speaking the protocol: vectors come back
normalised in input order; a failing or wrong answer is EncoderUnavailable, never a crash."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from knowledge.embeddings import EncoderUnavailable, HttpEncoder, OfflineEncoder


class Embeddings(BaseHTTPRequestHandler):
    answer: str = "ok"  # ok | error | short | garbage
    seen: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Embeddings.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.answer == "error":
            self.send_response(503)
            self.end_headers()
            return
        texts = body["input"][:-1] if self.answer == "short" else body["input"]
        data = [{"index": i, "embedding": [float(len(t)), 0.0, 0.0]} for i, t in enumerate(texts)]
        payload = b"not json" if self.answer == "garbage" else json.dumps({"data": data[::-1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Embeddings)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Embeddings.answer, Embeddings.seen = "ok", []
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_vectors_come_back_normalised_in_input_order(server):
    encoder = HttpEncoder(server, "e5-small", api_key="sk-test")

    vectors = encoder.encode(["ab", "abcd"])

    assert vectors.shape == (2, 3) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    assert Embeddings.seen == [
        {"path": "/v1/embeddings", "auth": "Bearer sk-test", "model": "e5-small", "input": ["ab", "abcd"]}
    ]
    assert encoder.name == f"{server}|e5-small"


@pytest.mark.parametrize("answer", ["error", "short", "garbage"])
def test_a_failing_service_is_reported_not_crashed_on(server, answer):
    Embeddings.answer = answer
    with pytest.raises(EncoderUnavailable):
        HttpEncoder(server, "e5-small").encode(["ab", "abcd"])


def test_an_unreachable_service_is_reported():
    with pytest.raises(EncoderUnavailable):
        HttpEncoder("http://127.0.0.1:9/v1", "e5-small", timeout=1).encode(["ab"])


def test_a_service_on_the_servers_own_network_is_not_called_unless_allowed(server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []

    with pytest.raises(EncoderUnavailable, match="own network"):
        HttpEncoder(server, "e5-small").encode(["ab"])
    assert not Embeddings.seen


def test_the_offline_model_gives_unit_vectors_and_handles_no_text():
    vectors = OfflineEncoder().encode(["Сколько идёт доставка?", "配送"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    assert OfflineEncoder().encode([]).shape == (0, 384)
