"""Who hears of an unlock's window: the helpdesk's webhook and the tenant's admins."""

import json

import pytest

from notifications.models import MessageKind, OutboxMessage, WebhookEndpoint
from unlocks import services
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify

pytestmark = pytest.mark.django_db


def test_a_relock_calls_the_webhook_with_the_relocked_event(tenant, pat, lee):
    endpoint = WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    request = verify(open_for(tenant, f.imported_invoice(tenant)), pat)

    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    (call,) = OutboxMessage.objects.filter(
        reference=request.pk, kind=MessageKind.WEBHOOK, event="relocked"
    )
    assert call.endpoint == endpoint
    body = json.loads(call.body)
    assert body["event"] == "unlock_request.relocked"
    assert body["request"]["relocked_at"] is not None


def test_an_endpoint_that_did_not_ask_for_relocked_hears_nothing_of_it(tenant, pat):
    WebhookEndpoint.objects.create(name="done", url="https://c.example/h", events=["completed"])
    request = verify(open_for(tenant, f.imported_invoice(tenant)), pat)

    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    assert not OutboxMessage.objects.filter(
        reference=request.pk, kind=MessageKind.WEBHOOK, event="relocked"
    ).exists()


def test_every_admin_is_emailed_when_it_is_relocked(tenant, pat, lee, dana):
    request = verify(open_for(tenant, f.imported_invoice(tenant)), pat)

    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    emails = OutboxMessage.objects.filter(
        reference=request.pk, kind=MessageKind.EMAIL, event="relocked"
    )
    assert sorted(e.recipient for e in emails) == [lee.email, pat.email]
    assert "re-locked early by agent@support.example (Done)" in emails[0].body


def test_the_approval_email_says_how_long_it_unlocks_for(tenant, pat):
    request = open_for(tenant, f.imported_invoice(tenant), window_hours=12)

    (email,) = OutboxMessage.objects.filter(reference=request.pk, event="created")
    assert "unlocked for 12 hours after you approve, until about" in email.body
    assert "unlocked for 12 hours after you approve" in email.html
