"""With Redis unreachable, opening, approving, reading and signing in still work."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.tests.factories import UserFactory
from unlocks.models import RequestStatus
from unlocks.selectors import get_request
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

# Nothing listens on port 1: every cache call fails to connect.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


@pytest.fixture
def redis_down(settings):
    # Django's setting_changed handler drops the cache connections made so far.
    settings.CACHES = DEAD_REDIS
    with pytest.raises(RedisConnectionError):
        cache.get("anything")


def test_opening_approving_and_reading_need_no_cache(tenant, admin, redis_down):
    request = open_for(tenant, f.bypassed_batch(tenant, invoices=2))
    assert verify(request, admin).status == RequestStatus.COMPLETED
    assert get_request(request.pk).status == RequestStatus.COMPLETED


def test_the_pin_lock_out_needs_no_cache(tenant, admin, redis_down):
    request = open_for(tenant, f.imported_invoice(tenant))
    codes = []
    for _ in range(6):
        try:
            verify(request, admin, pin="000000")
        except Exception as exc:
            codes.append(getattr(exc, "code", repr(exc)))
    assert codes == ["pin_incorrect"] * 4 + ["pin_locked"] * 2


def test_signing_in_and_its_throttle_need_no_cache(client, db, redis_down):
    staff = UserFactory(email="agent@support.test", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": staff.email, "password": "nope"})
    locked = client.post("/admin/login/", {"username": staff.email, "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    other = UserFactory(email="lead@support.test", is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": other.email, "password": "pw-for-tests-1"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
