import pytest


@pytest.fixture(autouse=True)
def _tracking(tracking_in_test_thread: None) -> None:
    """Tracking rows are written by the tests themselves (ingest.flush()), in their transaction."""
