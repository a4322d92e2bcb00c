"""People of the console tests: an agent in the Support agents group, and others."""

import pytest
from django.test import Client

from accounts.apps import ensure_support_group
from accounts.tests.factories import UserFactory


@pytest.fixture
def agent(db):
    user = UserFactory(email="avery@support.test", is_staff=True)
    user.groups.add(ensure_support_group())
    return user


@pytest.fixture
def agent_client(agent):
    client = Client(HTTP_USER_AGENT="console-test", REMOTE_ADDR="10.1.2.3")
    client.force_login(agent)
    return client


@pytest.fixture
def staff_client(db):
    """Staff without the Support agents group: the admin shows them nothing."""
    client = Client()
    client.force_login(UserFactory(email="nobody@support.test", is_staff=True))
    return client


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(email="lead@support.test", is_staff=True, is_superuser=True))
    return client
