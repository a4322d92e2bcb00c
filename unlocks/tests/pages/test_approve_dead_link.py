from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEntry
from unlocks import services
from unlocks.tests.conftest import AGENT, verify
from unlocks.tests.pages.conftest import approval, approve_path


def test_a_completed_request_says_so_and_links_the_receipt(client, admin, unlock):
    verify(unlock, admin)
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This request is already approved" in page
    assert f"/receipts/{unlock.pk}/" in page
    assert 'name="pin"' not in page


def test_a_cancelled_request_says_so_with_the_reason(client, admin, unlock):
    services.cancel_request(request_id=unlock.pk, reason="Customer fixed it", actor=AGENT)
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert response.status_code == 410
    assert b"This request was cancelled" in response.content
    assert b"Customer fixed it" in response.content


def test_an_expired_request_says_so(client, admin, unlock):
    services.expire_requests(now=timezone.now() + timedelta(days=2))
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert response.status_code == 410
    assert b"This approval link has expired" in response.content


def test_a_request_past_its_time_is_treated_as_expired_before_the_sweep(client, admin, unlock):
    type(unlock).objects.filter(pk=unlock.pk).update(expires_at=timezone.now())
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 410
    assert b"This approval link has expired" in response.content
    unlock.refresh_from_db()
    # The service recorded the expiry that was due, and the attempt, in the audit trail.
    assert unlock.status == "expired"
    assert AuditEntry.objects.filter(
        request_id=unlock.pk, action="verify_refused", code="request_not_pending"
    ).exists()


def test_a_link_older_than_any_request_lives_gets_404(client, admin, unlock, settings):
    path = approve_path(unlock)
    settings.UNLOCK_REQUEST_TTL = timedelta(seconds=-1)
    client.force_login(admin)
    assert client.get(path).status_code == 404
