"""The unlock window on the tenant's pages: the PIN page says how long approving unlocks
for (beside the consent, never inside it), the receipt shows the window and re-locks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from audit.models import AuditEntry
from unlocks import services
from unlocks.consent import current_consent
from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify
from unlocks.tests.pages.conftest import approval, approve_path

pytestmark = pytest.mark.django_db


def test_the_pin_page_says_how_long_approving_unlocks_for_beside_the_consent(
    client, admin, plain_unlock
):
    client.force_login(admin)

    page = client.get(approve_path(plain_unlock)).content.decode()

    assert "Unlocked for 72 hours after you approve, until about" in page
    consent = page.split('id="consent-text">')[1].split("</blockquote>")[0]
    assert "72 hours" not in consent
    assert current_consent().text.split()[0] in consent


def test_the_admin_shortens_the_window_on_the_pin_page(client, admin, plain_unlock):
    client.force_login(admin)

    response = client.post(approve_path(plain_unlock), approval(plain_unlock, window_hours=6))

    assert response.status_code == 302
    plain_unlock.refresh_from_db()
    assert plain_unlock.window_hours == 6
    assert plain_unlock.unlocked_until - plain_unlock.approved_at == timedelta(hours=6)


def test_the_pin_page_refuses_a_longer_window(client, admin, tenant):
    unlock = open_for(tenant, f.imported_invoice(tenant), window_hours=6)
    client.force_login(admin)

    response = client.post(approve_path(unlock), approval(unlock, window_hours=7))

    assert response.status_code == 400
    assert "may shorten the window, not lengthen it" in response.content.decode()
    unlock.refresh_from_db()
    assert unlock.status == "pending"


def receipt_of(tenant, admin):
    return verify(open_for(tenant, f.imported_invoice(tenant)), admin)


def test_the_receipt_shows_the_window_and_offers_to_relock(client, admin, tenant):
    request = receipt_of(tenant, admin)
    client.force_login(admin)

    page = client.get(reverse("receipt", args=[request.pk])).content.decode()

    assert "Unlocked for 72 hours after you approved, until" in page
    assert "Re-lock now" in page


def test_the_tenant_admin_relocks_from_the_receipt(client, admin, tenant):
    request = receipt_of(tenant, admin)
    client.force_login(admin)

    response = client.post(reverse("receipt_relock", args=[request.pk]), {"reason": "We are done"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.relocked_at is not None
    assert request.relock_reason == "We are done"
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_relocked")
    assert (entry.actor_kind, entry.actor_label) == ("tenant_user", admin.email)
    page = strip_tags(client.get(reverse("receipt", args=[request.pk])).content.decode())
    assert "Records re-locked early" in page
    assert f"by {admin.email}: “We are done”" in page
    assert "Re-lock now" not in page


def test_relocking_from_the_receipt_needs_a_reason(client, admin, tenant):
    request = receipt_of(tenant, admin)
    client.force_login(admin)

    response = client.post(reverse("receipt_relock", args=[request.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "Say why the unlock should end now." in response.content.decode()
    request.refresh_from_db()
    assert request.relocked_at is None


def test_relocking_twice_from_the_receipt_says_it_already_ended(client, admin, tenant):
    request = receipt_of(tenant, admin)

    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)
    client.force_login(admin)

    response = client.post(reverse("receipt_relock", args=[request.pk]), {"reason": "Again"})

    assert response.status_code == 409
    assert "already ended" in response.content.decode()


def test_a_member_cannot_relock(client, admin, member, tenant):
    request = receipt_of(tenant, admin)
    client.force_login(member)

    response = client.post(reverse("receipt_relock", args=[request.pk]), {"reason": "Done"})

    assert response.status_code == 403
    assert UnlockRequest.objects.get(pk=request.pk).relocked_at is None


def test_another_tenants_admin_gets_404(client, admin, other_admin, tenant):
    request = receipt_of(tenant, admin)
    client.force_login(other_admin)

    response = client.post(reverse("receipt_relock", args=[request.pk]), {"reason": "Done"})

    assert response.status_code == 404
    assert UnlockRequest.objects.get(pk=request.pk).relocked_at is None
