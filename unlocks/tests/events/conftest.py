# The outbox's test receiver, endpoint and real worker.
from notifications.tests.conftest import endpoint, receiver, worker  # noqa: F401
