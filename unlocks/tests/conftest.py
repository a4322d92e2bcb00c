from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import PIN, TenantFactory, admin_of, member_of
from audit.actors import Actor
from unlocks import services
from unlocks.consent import current_consent
from unlocks.tests.factories import target

AGENT = Actor(kind="agent", label="agent@support.example", ip="10.0.0.9", user_agent="pytest")


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme")


@pytest.fixture
def admin(tenant):
    return admin_of(tenant, email="pat@acme.test")


@pytest.fixture
def member(tenant):
    return member_of(tenant, email="dana@acme.test")


def open_for(tenant, *records, **fields):
    values = {
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "ticket": "ZD-1",
        "actor": AGENT,
    }
    values.update(fields)
    return services.open_request(tenant=tenant.slug, targets=[target(r) for r in records], **values)


def verify(request, admin, **fields):
    values = {
        "request_id": request.pk,
        "approver_email": admin.email,
        "pin": PIN,
        "consent_version": current_consent().version,
        "consent_accepted": True,
        "duplicate_risk_acknowledged": True,
        "actor": AGENT,
    }
    values.update(fields)
    return services.verify_and_unlock(**values)


class Clock:
    """The application's clock, moved by hand: `clock.move(hours=73)`."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def move(self, **delta):
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Every `timezone.now()` of the app (services, rules, models) reads this clock."""
    moved = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", moved)
    return moved
