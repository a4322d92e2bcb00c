"""What the API tests send: the body of an open and of a verify, and the error's shape.
Their account is `books` (unlocks/tests/conftest.py)."""

import pytest
from django.core.cache import cache

from accounts.tests.factories import PIN
from books.lookup import NOT_SET_UP as NOT_SET_UP_REASON

OPEN_BODY = {
    "tenant": "acme",
    "targets": [{"type": "batch", "number": "B-1001"}],
    "caller": {"name": "Dana Ruiz", "email": "dana@acme.test"},
    "channel": "phone",
    "reason": "Bypassed by mistake; needs re-export",
    "ticket": "ZD-5521",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Throttle counters live in the cache; each test starts with a full allowance.
    cache.clear()


# What a target's `quickbooks` says where this desk has no QuickBooks app keys (the tests'
# default): nothing asked, and why.
NOT_SET_UP = {
    "status": "not_connected",
    "checked_at": None,
    "reason": NOT_SET_UP_REASON,
    "found": [],
    "closing_date": None,
    "before_closing_date": False,
    "edited_after_export": False,
}


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
        "admin_email": "pat@acme.test",
        "pin": PIN,
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
