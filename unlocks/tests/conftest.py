"""Builders of the unlock tests: an opened request (`open_for`) and its approval (`verify`),
by the agent's actor. The cast of people is the root conftest's."""

from accounts.tests.factories import PIN
from audit.actors import Actor
from unlocks import services
from unlocks.consent import current_consent
from unlocks.tests.factories import target

AGENT = Actor(kind="agent", label="agent@support.example", ip="10.0.0.9", user_agent="pytest")


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
