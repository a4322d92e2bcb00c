from django.test import Client

from audit.models import AuditEntry
from unlocks.models import Invoice, Payment
from unlocks.tests.pages.conftest import approval, approve_path


def test_the_right_pin_and_consent_unlock_and_lead_to_the_receipt(client, admin, unlock, batch):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock), HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 302
    assert response["Location"] == f"/receipts/{unlock.pk}/"
    unlock.refresh_from_db()
    batch.refresh_from_db()
    assert unlock.status == "completed" and unlock.approved_by == admin
    assert batch.state == "open"
    assert set(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == {"open"}
    assert set(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == {"open"}


def test_it_audits_the_approval_as_the_signed_in_tenant_user(client, admin, unlock):
    client.force_login(admin)
    client.post(approve_path(unlock), approval(unlock), HTTP_USER_AGENT="Firefox/140")
    entry = AuditEntry.objects.get(request_id=unlock.pk, action="request_approved")
    assert (entry.actor_kind, entry.actor_label, entry.actor_user_id) == (
        "tenant_user",
        admin.email,
        admin.pk,
    )
    assert entry.ip == "127.0.0.1" and entry.user_agent == "Firefox/140"


def test_it_needs_the_csrf_token(admin, unlock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 403
    unlock.refresh_from_db()
    assert unlock.status == "pending"
