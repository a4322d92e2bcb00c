"""The PIN page's form sent twice (a double click before the script disables the button, or
Back and send again): the approver gets their receipt, and nothing more is written."""

from audit.models import AuditAction, AuditEntry
from unlocks.tests.pages.conftest import approval, approve_path


def test_the_approval_sent_again_by_its_approver_leads_to_the_receipt(client, admin, unlock):
    client.force_login(admin)
    first = client.post(approve_path(unlock), approval(unlock))
    entries = AuditEntry.objects.count()

    again = client.post(approve_path(unlock), approval(unlock))

    assert first.status_code == again.status_code == 302
    assert again["Location"] == f"/receipts/{unlock.pk}/"
    assert AuditEntry.objects.count() == entries
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_APPROVED).count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.VERIFY_REFUSED).exists()


def test_it_leads_to_the_receipt_even_with_a_wrong_pin_sent_again(client, admin, unlock):
    # What was approved is approved: a mistyped second send neither counts nor shows.
    client.force_login(admin)
    client.post(approve_path(unlock), approval(unlock))

    again = client.post(approve_path(unlock), approval(unlock, pin="000000"))

    assert again["Location"] == f"/receipts/{unlock.pk}/"
    assert not AuditEntry.objects.filter(action=AuditAction.PIN_INCORRECT).exists()


def test_another_admin_sending_it_after_the_approval_is_told_it_is_approved(
    client, admin, lee, unlock
):
    client.force_login(admin)
    client.post(approve_path(unlock), approval(unlock))
    client.force_login(lee)

    response = client.post(approve_path(unlock), approval(unlock))

    assert response.status_code == 410
    assert "This request is already approved" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.VERIFY_REFUSED).count() == 1
