"""The console where the tenant asks two admins (SPEC rule 13): the request page says how
many approvals and why; the first admin on the phone records one of two; the same admin
again is refused beside the form; a second admin unlocks; the timeline shows both."""

from accounts.models import Tenant
from unlocks.models import LockState, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.admin.test_open_with_preview import form_data, url_for
from unlocks.tests.admin.test_verify_on_the_phone import page_url, phone_data, verify_url
from unlocks.tests.conftest import open_for


def large(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(two_approvers_from_cents=100000)
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=86500)
    return open_for(tenant, batch), batch


def test_two_admins_on_the_phone_one_after_the_other(agent_client, tenant, pat, lee):
    request, batch = large(tenant)
    html = agent_client.get(page_url(request)).content.decode()
    assert "0 of 2" in html
    assert "2 approvals: $1,730.00 is over the account&#x27;s $1,000.00 limit" in html
    assert "Verify: approval 1 of 2" in html

    first = agent_client.post(verify_url(request), phone_data(pat), follow=True)

    html = first.content.decode()
    assert "Approval recorded, 1 of 2" in html
    assert "1 of 2" in html and "Waiting for a second admin: anyone but pat@acme.test" in html
    assert "Approved 1 of 2" in html  # the timeline
    batch.refresh_from_db()
    assert batch.state == LockState.BYPASSED

    again = agent_client.post(verify_url(request), phone_data(pat))
    assert again.status_code == 200
    assert "approved this request already" in again.content.decode()

    second = agent_client.post(verify_url(request), phone_data(lee), follow=True)

    assert "Approved: the records are unlocked." in second.content.decode()
    request.refresh_from_db()
    batch.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.approved_by == lee
    assert batch.state == LockState.OPEN
    html = second.content.decode()
    assert "2 of 2" in html
    assert "pat@acme.test" in html and "lee@acme.test" in html


def test_the_agent_cancels_a_request_awaiting_its_second_approval(agent_client, tenant, pat):
    request, _ = large(tenant)
    agent_client.post(verify_url(request), phone_data(pat))

    agent_client.post(
        f"/admin/unlocks/unlockrequest/{request.pk}/cancel/", {"reason": "Customer called back"}
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_the_preview_says_how_many_approvals_before_opening(agent_client, tenant, pat, lee):
    Tenant.objects.filter(pk=tenant.pk).update(two_approvers_from_cents=100000)
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=86500)

    response = agent_client.post(url_for(batch), form_data(tenant, batch))

    html = response.content.decode()
    assert "2 approvals: $1,730.00 is over the account&#x27;s $1,000.00 limit: two" in html
