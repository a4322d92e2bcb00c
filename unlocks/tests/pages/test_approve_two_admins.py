"""The PIN page where the tenant asks two admins (SPEC rule 13): it says how many approvals
and why, the first admin's approval leaves the request waiting, the same admin cannot give
the second, another admin's unlocks, and either admin can cancel it while it waits."""

import pytest

from accounts.models import Tenant
from unlocks.models import LockState, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.conftest import approval, approve_path


@pytest.fixture
def large(tenant, pat, lee):
    """$1,730.00 in a bypassed batch, and Acme asks two admins from $1,000.00."""
    Tenant.objects.filter(pk=tenant.pk).update(two_approvers_from_cents=100000)
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=86500)
    return open_for(tenant, batch), batch


def page(client, unlock):
    return client.get(approve_path(unlock)).content.decode()


def test_it_says_how_many_approvals_and_why_before_anyone_approves(client, pat, large):
    unlock, _ = large
    client.force_login(pat)

    html = page(client, unlock)

    assert "This unlock needs 2 approvals" in html
    assert "2 approvals: $1,730.00 is over your account&#x27;s $1,000.00 limit." in html
    assert "Your approval is the first" in html
    assert "Approve (1 of 2)" in html
    assert "Approve and unlock" not in html


def test_the_first_approval_leaves_it_waiting_and_comes_back_to_the_page(client, pat, large):
    unlock, batch = large
    client.force_login(pat)

    response = client.post(approve_path(unlock), approval(unlock))

    assert response.status_code == 302
    assert response["Location"] == approve_path(unlock)
    unlock.refresh_from_db()
    batch.refresh_from_db()
    assert unlock.status == RequestStatus.PENDING and batch.state == LockState.BYPASSED
    html = page(client, unlock)
    assert "You approved it: it waits for a second admin" in html
    assert 'name="pin"' not in html  # nothing to approve twice with
    assert "Cancel the request" in html


def test_the_other_admin_sees_the_first_approval_and_unlocks(client, pat, lee, large):
    unlock, batch = large
    client.force_login(pat)
    client.post(approve_path(unlock), approval(unlock))
    other = client.__class__()
    other.force_login(lee)

    html = page(other, unlock)
    assert "Approved 1 of 2: your approval unlocks it" in html
    assert "Pat Morgan (pat@acme.test) approved on" in html
    assert "Approve and unlock" in html

    response = other.post(approve_path(unlock), approval(unlock))

    assert response["Location"] == f"/receipts/{unlock.pk}/"
    batch.refresh_from_db()
    assert batch.state == LockState.OPEN
    receipt = other.get(f"/receipts/{unlock.pk}/").content.decode()
    assert "Approval 1 of 2" in receipt and "Approval 2 of 2" in receipt


def test_the_same_admin_posting_again_is_told_they_approved_already(client, pat, large):
    unlock, _ = large
    client.force_login(pat)
    client.post(approve_path(unlock), approval(unlock))

    response = client.post(approve_path(unlock), approval(unlock), follow=True)

    html = response.content.decode()
    assert "approved this request already" in html
    unlock.refresh_from_db()
    assert unlock.status == RequestStatus.PENDING


def test_either_admin_cancels_it_while_it_waits(client, pat, lee, large):
    unlock, batch = large
    client.force_login(pat)
    client.post(approve_path(unlock), approval(unlock))
    other = client.__class__()
    other.force_login(lee)

    missing = other.post(approve_path(unlock) + "cancel/", {"reason": ""})
    assert missing.status_code == 400
    response = other.post(approve_path(unlock) + "cancel/", {"reason": "Not needed after all"})

    assert response.status_code == 302
    unlock.refresh_from_db()
    assert unlock.status == RequestStatus.CANCELLED
    assert unlock.close_reason == "Not needed after all"
    batch.refresh_from_db()
    assert batch.state == LockState.BYPASSED


def test_a_member_cannot_cancel_it(client, pat, dana, large):
    unlock, _ = large
    client.force_login(pat)
    client.post(approve_path(unlock), approval(unlock))
    client.force_login(dana)
    response = client.post(approve_path(unlock) + "cancel/", {"reason": "mine"})
    assert response.status_code == 403
    unlock.refresh_from_db()
    assert unlock.status == RequestStatus.PENDING


def test_nobody_cancels_from_the_page_before_the_first_approval(client, pat, large):
    unlock, _ = large
    client.force_login(pat)
    assert "Cancel the request" not in page(client, unlock)
    response = client.post(approve_path(unlock) + "cancel/", {"reason": "no"}, follow=True)
    assert "waits for a second can be cancelled here" in response.content.decode()
    unlock.refresh_from_db()
    assert unlock.status == RequestStatus.PENDING


def test_without_a_policy_the_page_is_as_before(client, pat, tenant):
    client.force_login(pat)
    html = page(client, open_for(tenant, f.imported_invoice(tenant)))
    assert "data-approvals" not in html
    assert "Approve and unlock" in html
