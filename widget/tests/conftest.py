from visitors.tests.conftest import _tracking

__all__ = ["_tracking"]
