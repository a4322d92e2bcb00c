"""With Redis unreachable (cache and broker), over HTTP: throttling and caching degrade
without a 500, opening, approving and reading still answer, and /healthz says the broker
is unavailable."""

import pytest
from django.core.cache import cache
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PIN
from config.celery import app
from unlocks.links import approval_token
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import OPEN_BODY, error, verify_body
from unlocks.tests.security.test_redis_down import DEAD_REDIS


@pytest.fixture
def redis_down(settings):
    """Cache and broker both point where nothing listens; tasks are queued, not run here."""
    settings.CACHES = DEAD_REDIS
    with pytest.raises(RedisConnectionError):
        cache.get("anything")
    broker, eager = app.conf.broker_url, app.conf.task_always_eager
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.task_always_eager = False
    app._after_fork()  # drops pooled broker connections
    yield
    app.conf.task_always_eager = eager
    app.conf.broker_url = broker
    app._after_fork()


@pytest.fixture
def api(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    return client


def test_the_api_opens_approves_and_reads_without_redis(api, redis_down):
    opened = api.post(
        "/api/v1/unlock-requests/",
        {**OPEN_BODY, "targets": [{"type": "invoice", "number": "INV-2001"}]},
        format="json",
    )
    assert opened.status_code == 201
    request_id = opened.json()["id"]

    approved = api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/",
        verify_body(duplicate_risk_acknowledged=False),
        format="json",
    )
    read = api.get(f"/api/v1/unlock-requests/{request_id}/")
    listed = api.get("/api/v1/unlock-requests/?tenant=acme")
    record = api.get("/api/v1/tenants/acme/records/invoice/INV-2001/")

    assert approved.status_code == 200
    assert read.json()["status"] == "completed"
    assert listed.status_code == 200 and record.status_code == 200
    assert UnlockRequest.objects.get(pk=request_id).status == RequestStatus.COMPLETED


def test_the_api_throttle_lets_calls_through_when_it_cannot_count(api, redis_down, settings):
    settings.API_THROTTLE_RATE = "2/minute"

    answers = [api.get("/api/v1/consent/").status_code for _ in range(4)]

    assert answers == [200] * 4


def test_errors_still_come_in_the_error_shape_without_redis(api, redis_down):
    missing = api.get("/api/v1/unlock-requests/00000000-0000-0000-0000-000000000000/")
    anonymous = APIClient().get("/api/v1/unlock-requests/")

    assert (missing.status_code, error(missing)) == (404, "not_found")
    assert (anonymous.status_code, error(anonymous)) == (401, "not_authenticated")


def test_the_pin_page_and_the_console_work_without_redis(api, redis_down):
    opened = api.post(
        "/api/v1/unlock-requests/",
        {**OPEN_BODY, "targets": [{"type": "invoice", "number": "INV-2001"}]},
        format="json",
    )
    unlock = UnlockRequest.objects.get(pk=opened.json()["id"])
    pat, agent = Client(), Client()
    pat.force_login(User.objects.get(email="pat@acme.test"))
    agent.force_login(User.objects.get(email="avery@support.test"))

    assert pat.get("/requests/").status_code == 200
    assert pat.get(f"/approve/{approval_token(unlock)}/").status_code == 200
    assert agent.get(f"/admin/unlocks/unlockrequest/{unlock.pk}/change/").status_code == 200
    assert agent.get("/admin/unlocks/unlockrequest/lookup/?q=INV-2001").status_code == 200
    approved = pat.post(
        f"/approve/{approval_token(unlock)}/",
        {"pin": PIN, "consent_accepted": "on", "consent_version": "1"},
    )
    assert approved.status_code == 302
    assert pat.get(approved["Location"]).status_code == 200  # the receipt


def test_healthz_says_the_broker_is_unavailable_and_stays_up(db, redis_down):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "unavailable"
