"""An unlock request has one approval link, whenever and wherever it is asked for."""

import datetime
import time
import types

import pytest
from django.core import signing

from unlocks.links import approval_token, request_id_from_token
from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for


@pytest.fixture
def unlock(tenant):
    return open_for(tenant, f.bypassed_batch(tenant))


@pytest.fixture
def clock(monkeypatch):
    """The signing module's clock, which a test can move forward."""
    now = types.SimpleNamespace(value=time.time())
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: now.value))
    return now


def test_the_link_is_the_same_each_time_it_is_asked_for(unlock, clock):
    first = approval_token(unlock)
    clock.value += 5

    assert approval_token(unlock) == first
    assert request_id_from_token(first) == str(unlock.pk)


def test_the_link_dies_once_a_request_that_old_could_no_longer_be_alive(unlock, settings, clock):
    token = approval_token(unlock)
    clock.value += settings.UNLOCK_REQUEST_TTL.total_seconds() + 1

    assert request_id_from_token(token) is None


def test_a_request_opened_long_ago_has_a_dead_link(unlock, settings):
    opened = unlock.created_at - settings.UNLOCK_REQUEST_TTL - datetime.timedelta(seconds=1)
    UnlockRequest.objects.filter(pk=unlock.pk).update(created_at=opened)
    unlock.refresh_from_db()

    assert request_id_from_token(approval_token(unlock)) is None


def test_two_requests_have_different_links(tenant, unlock):
    other = open_for(tenant, f.bypassed_batch(tenant))
    assert approval_token(other) != approval_token(unlock)
