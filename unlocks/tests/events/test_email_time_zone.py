"""Emails say times in the tenant's zone, named: its admins read the same email together."""

from zoneinfo import ZoneInfo

import pytest

from notifications.models import MessageKind, OutboxMessage
from unlocks import services
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify

pytestmark = pytest.mark.django_db


def email(request, event):
    return OutboxMessage.objects.filter(
        reference=request.pk, kind=MessageKind.EMAIL, event=event
    ).first()


def test_a_tenant_in_utc_reads_utc(tenant, pat):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    expires = request.expires_at
    assert f"The link works until {expires:%Y-%m-%d %H:%M} UTC." in email(request, "created").body


@pytest.mark.parametrize("zone, name", [("America/Denver", "MST"), ("Australia/Sydney", "AEDT")])
def test_every_email_says_the_tenants_zone(tenant, pat, zone, name):
    tenant.time_zone = zone
    tenant.save()
    request = open_for(tenant, f.bypassed_invoice(tenant))
    verify(request, pat)
    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)
    request.refresh_from_db()

    for event in ("created", "completed", "relocked"):
        sent = email(request, event)
        assert f" {name}" in sent.body and " UTC" not in sent.body, event
        assert f" {name}" in sent.html and " UTC" not in sent.html, event
    local = request.relocked_at.astimezone(ZoneInfo(zone))
    assert f"ended at {local:%Y-%m-%d %H:%M} {name}" in email(request, "relocked").body


def test_a_webhook_body_is_in_utc_whatever_zone_the_change_was_made_in(tenant, pat):
    from django.utils import timezone

    from unlocks.events import webhook_body

    request = verify(open_for(tenant, f.bypassed_invoice(tenant)), pat)
    with timezone.override("America/Denver"):
        denver = webhook_body("completed", request)
    with timezone.override("UTC"):
        utc = webhook_body("completed", request)

    assert denver == utc
    assert "-07:00" not in denver
