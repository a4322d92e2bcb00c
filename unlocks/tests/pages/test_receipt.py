from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from unlocks.tests.conftest import verify


def test_it_shows_everything_a_receipt_holds(client, admin, unlock, batch):
    verify(unlock, admin)
    unlock.refresh_from_db()
    client.force_login(admin)
    response = client.get(f"/receipts/{unlock.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    approval = AuditEntry.objects.get(request_id=unlock.pk, action="request_approved")
    assert str(unlock.pk) in page
    assert f"Batch {batch.number}" in page and "bypassed → open" in page
    for number in batch.invoice_set.values_list("number", flat=True):
        assert number in page
    assert admin.email in page
    assert f"{unlock.approved_at:%H:%M:%S} UTC" in page
    assert "Version 1" in page and unlock.consent_sha256 in page
    assert f"#{approval.seq}" in page and approval.hash in page
    assert "Print" in page
    assert "no-store" in response["Cache-Control"]


def test_it_reads_the_receipt_in_a_fixed_number_of_queries(client, admin, unlock):
    verify(unlock, admin)
    client.force_login(admin)
    client.get(f"/receipts/{unlock.pk}/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/receipts/{unlock.pk}/")
    # session + user, request + targets, its approvals, membership, audit entries, the
    # covering checkpoint. With the header's one question: does the person administer an
    # account?
    assert len(queries) == 9, [q["sql"] for q in queries]


def test_a_pending_request_has_no_receipt(client, admin, unlock):
    client.force_login(admin)
    response = client.get(f"/receipts/{unlock.pk}/")
    assert response.status_code == 404
    assert b"We cannot find that receipt" in response.content


def test_a_member_sees_a_clear_refusal(client, admin, member, unlock):
    verify(unlock, admin)
    client.force_login(member)
    response = client.get(f"/receipts/{unlock.pk}/")
    assert response.status_code == 403
    assert b"You are not an admin of Acme now" in response.content


def test_an_admin_of_another_tenant_gets_404(client, admin, other_admin, unlock):
    verify(unlock, admin)
    client.force_login(other_admin)
    assert client.get(f"/receipts/{unlock.pk}/").status_code == 404


def test_an_unknown_id_gets_404(client, admin):
    client.force_login(admin)
    assert client.get("/receipts/6f1c7d52-0000-4000-8000-000000000000/").status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, admin, unlock):
    verify(unlock, admin)
    response = client.get(f"/receipts/{unlock.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/receipts/")
