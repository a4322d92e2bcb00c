"""Over HTTP, wrong PINs from the API, the PIN page and the console count in one window,
and after the fifth every front end answers that PIN verification is locked."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Tenant, User
from audit.actors import Actor
from audit.models import AuditEntry
from unlocks.consent import current_consent
from unlocks.links import approval_token
from unlocks.management.commands.seed_demo import DEMO_API_KEY
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.conftest import open_for

AGENT = Actor(kind="agent", label="agent@support.example", ip="10.0.0.9", user_agent="t")
RIGHT_PIN = "483920"


@pytest.fixture
def front_ends(demo, settings):
    settings.API_THROTTLE_RATE = "100000/minute"

    def open_(record_type, number):
        return open_for(
            "acme-hvac",
            targets=[{"type": record_type, "number": number}],
            caller_email="dana@acme.example",
            reason="Needs an edit",
            ticket="ZD-9",
        )

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {DEMO_API_KEY}")
    pin_page = Client()
    pin_page.force_login(User.objects.get(email="pat@acme.example"))
    console = Client()
    console.force_login(User.objects.get(email="agent@support.example"))
    return {
        "api": (api, open_("invoice", "INV-2001")),
        "pin page": (pin_page, open_("payment", "PAY-2002")),
        "console": (console, open_("payment", "PAY-2001")),
    }


def try_pin(front_ends, where, pin):
    """One PIN through one front end; returns (status, what it says)."""
    client, unlock = front_ends[where]
    version = current_consent().version
    if where == "api":
        response = client.post(
            f"/api/v1/unlock-requests/{unlock.pk}/verify/",
            {
                "admin_email": "lee@acme.example",
                "pin": pin,
                "consent_version": version,
                "consent_accepted": True,
                "duplicate_risk_acknowledged": True,
            },
            format="json",
        )
        return response.status_code, response.json().get("error", {}).get("code")
    form = {"pin": pin, "consent_accepted": "on", "consent_version": version}
    if where == "pin page":
        response = client.post(f"/approve/{approval_token(unlock)}/", form)
    else:
        form["admin_email"] = "pat@acme.example"
        response = client.post(f"/admin/unlocks/unlockrequest/{unlock.pk}/verify/", form)
    page = response.content.decode()
    # The pages say these two refusals in their own words, each naming the wrong PINs.
    if "too many wrong pins" in page.lower():
        return response.status_code, "pin_locked"
    if "That PIN is not right" in page:
        return response.status_code, "pin_incorrect"
    return response.status_code, page


def test_wrong_pins_from_the_three_front_ends_lock_every_front_end(front_ends):
    answers = [
        try_pin(front_ends, where, "000000")
        for where in ("api", "pin page", "console", "api", "pin page")
    ]

    assert [code for _, code in answers[:4]] == ["pin_incorrect"] * 4
    assert answers[4] == (423, "pin_locked")
    assert try_pin(front_ends, "api", RIGHT_PIN) == (423, "pin_locked")
    assert try_pin(front_ends, "pin page", RIGHT_PIN) == (423, "pin_locked")
    assert try_pin(front_ends, "console", RIGHT_PIN)[1] == "pin_locked"
    acme = Tenant.objects.get(slug="acme-hvac")
    assert AuditEntry.objects.filter(tenant=acme, action="pin_incorrect").count() == 5
    assert AuditEntry.objects.filter(tenant=acme, action="pin_locked").count() == 1
    assert set(UnlockRequest.objects.filter(tenant=acme).values_list("status", flat=True)) == {
        RequestStatus.PENDING
    }
