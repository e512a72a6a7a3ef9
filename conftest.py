import os
import tempfile

# Each test session gets its own data folder (secret key, SQLite files).
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="parley-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("EMBEDDED_WORKER", "false")
# The tests' stand-in services (a shop, Slack, model servers) run on this machine, which core/outbound.py
# refuses to call unless allowed (here for the servers browser tests start; pytest_configure for this process,
# whose settings may be loaded before this file); its own tests clear it.
os.environ.setdefault("OUTBOUND_ALLOWED_HOSTS", "127.0.0.1")

pytest_plugins = ["core.tests.fixtures"]


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """Argon2 is slow on purpose; tests that sign people up need not be (servers started by browser tests keep it).
    The stand-in services may be called."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OUTBOUND_ALLOWED_HOSTS = os.environ["OUTBOUND_ALLOWED_HOSTS"].split(",")


def pytest_sessionstart(session):  # type: ignore[no-untyped-def]
    """The PostgreSQL pass of `make test` needs the server: fail under CI, skip on a laptop without it."""
    import pytest

    from tests.services import IN_CI, _reachable

    if os.environ.get("DATABASE_URL", "").startswith("postgres") and not _reachable("127.0.0.1", 5432):
        message = "PostgreSQL is not reachable at 127.0.0.1:5432"
        if IN_CI:
            raise pytest.UsageError(f"{message} (required under CI)")
        pytest.exit(f"Skipping the PostgreSQL pass: {message}", returncode=0)
