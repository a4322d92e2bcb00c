import pytest

from accounts.tests.factories import admin_of, member_of

# The outbox's test receiver, endpoint and real worker.
from notifications.tests.conftest import endpoint, receiver, worker  # noqa: F401


@pytest.fixture
def pat(tenant):
    return admin_of(tenant, email="pat@acme.test", full_name="Pat Admin")


@pytest.fixture
def lee(tenant):
    return admin_of(tenant, email="lee@acme.test", full_name="Lee Admin")


@pytest.fixture
def dana(tenant):
    return member_of(tenant, email="dana@acme.test")
