import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from unlocks.management.commands.seed_demo import DEMO_API_KEY

OPEN_BODY = {
    "tenant": "acme-hvac",
    "targets": [{"type": "batch", "number": "B-1001"}],
    "caller": {"name": "Dana Ruiz", "email": "dana@acme.example"},
    "channel": "phone",
    "reason": "Bypassed by mistake; needs re-export",
    "ticket": "ZD-5521",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Throttle counters live in the cache; each test starts with a full allowance.
    cache.clear()


@pytest.fixture
def api(demo):
    """The demo helpdesk client, by its demo key."""
    client = APIClient(HTTP_USER_AGENT="helpdesk-tests/1.0", REMOTE_ADDR="203.0.113.7")
    client.credentials(HTTP_AUTHORIZATION=f"Token {DEMO_API_KEY}")
    return client


@pytest.fixture
def agent_api(demo):
    """The demo support agent, signed in with a session."""
    client = APIClient()
    client.force_login(User.objects.get(email="agent@support.example"))
    return client


def body(**changes):
    return {**OPEN_BODY, **changes}


def targets(*pairs):
    return [{"type": t, "number": n} for t, n in pairs]


def open_request(api, *pairs, **changes):
    if pairs:
        changes["targets"] = targets(*pairs)
    response = api.post("/api/v1/unlock-requests/", body(**changes), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def verify_body(**changes):
    return {
        "admin_email": "pat@acme.example",
        "pin": "483920",
        "consent_version": 1,
        "consent_accepted": True,
        "duplicate_risk_acknowledged": True,
        **changes,
    }


def error(response):
    """The error's code, after checking the response has the one error shape."""
    data = response.json()
    assert set(data) == {"error"}, data
    assert set(data["error"]) == {"code", "message", "details"}, data
    assert data["error"]["message"].strip(), data
    return data["error"]["code"]
