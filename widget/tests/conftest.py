from visitors.tests.conftest import _tracking_writer_in_test_thread

__all__ = ["_tracking_writer_in_test_thread"]
