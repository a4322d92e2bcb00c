"""Two approvers where the tenant asks (SPEC rule 13), through the services: the first
approval unlocks nothing, a second, different admin's unlocks, every rule judged again."""

import json
from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import Tenant
from accounts.tests.factories import PIN, admin_of
from audit.models import AuditEntry
from audit.selectors import verify_chain
from core.refusals import Refusal
from notifications.models import MessageKind, OutboxMessage, WebhookEndpoint
from unlocks import platform, services
from unlocks.models import Approval, Invoice, LockState, RequestStatus, UnlockRequest
from unlocks.selectors import get_request
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify


def refusal_of(call):
    with pytest.raises(Refusal) as info:
        call()
    return info.value


def two_from(tenant, dollars=None, *, batches=False):
    Tenant.objects.filter(pk=tenant.pk).update(
        two_approvers_from_cents=None if dollars is None else dollars * 100,
        two_approvers_for_bypassed_batches=batches,
    )
    tenant.refresh_from_db()


@pytest.fixture
def large(tenant, pat, lee):
    """A bypassed batch of $1,730.00 under a $1,000.00 limit: two admins."""
    two_from(tenant, 1000)
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=86500)
    return open_for(tenant, batch), batch


def test_the_first_approval_records_one_of_two_and_unlocks_nothing(large, pat):
    request, batch = large

    approved = verify(request, pat)

    assert approved.status == RequestStatus.PENDING
    assert [a.approver for a in approved.approvals_in_order] == [pat]
    batch.refresh_from_db()
    assert batch.state == LockState.BYPASSED
    assert set(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == {"bypassed"}
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.approved_by is None
    assert request.approval_policy == {"two_from_cents": 100000, "bypassed_batches": False}


def test_the_first_approval_is_its_own_audit_entry(large, pat):
    request, _ = large
    verify(request, pat)
    entry = AuditEntry.objects.get(request_id=request.pk, action="approval_recorded")
    assert entry.consent_version == 1 and len(entry.consent_sha256) == 64
    assert entry.state_before == entry.state_after == "pending"
    assert entry.data["approver"] == pat.email
    assert entry.data["approved_with"] == ["pin"]
    assert (entry.data["approvals"], entry.data["approvals_required"]) == (1, 2)
    assert entry.data["total"] == "1730.00"
    assert not AuditEntry.objects.filter(request_id=request.pk, action="record_unlocked")


def test_a_second_different_admin_unlocks_it_with_both_approvals_recorded(large, pat, lee):
    request, batch = large
    verify(request, pat)

    done = verify(request, lee)

    assert done.status == RequestStatus.COMPLETED
    assert done.approved_by == lee
    assert [a.approver for a in Approval.objects.filter(request=request)] == [pat, lee]
    batch.refresh_from_db()
    assert batch.state == LockState.OPEN
    approved = AuditEntry.objects.get(request_id=request.pk, action="request_approved")
    assert approved.data["approver"] == lee.email
    assert approved.data["approvals"] == [pat.email, lee.email]
    assert verify_chain(tenant=request.tenant).ok


def test_the_same_admin_twice_is_refused_and_no_pin_is_counted(large, pat, tenant):
    request, _ = large
    verify(request, pat)

    refusal = refusal_of(lambda: verify(request, pat, pin="000000"))

    assert refusal.code == "already_approved_by_you"
    assert refusal.audited
    tenant.refresh_from_db()
    assert tenant.pin_failure_times == []
    assert Approval.objects.filter(request=request).count() == 1
    assert AuditEntry.objects.filter(
        request_id=request.pk, action="verify_refused", code="already_approved_by_you"
    ).exists()


def test_below_the_limit_one_admin_unlocks_as_before(tenant, pat):
    two_from(tenant, 1000)
    invoice = f.imported_invoice(tenant, amount_cents=99999)
    done = verify(open_for(tenant, invoice), pat)
    assert done.status == RequestStatus.COMPLETED
    assert done.approval_policy == {"two_from_cents": 100000, "bypassed_batches": False}


def test_exactly_the_limit_needs_two(tenant, pat):
    two_from(tenant, 1000)
    invoice = f.imported_invoice(tenant, amount_cents=100000)
    assert verify(open_for(tenant, invoice), pat).status == RequestStatus.PENDING


def test_every_bypassed_batch_needs_two_where_the_tenant_asks_it(tenant, pat, lee):
    two_from(tenant, batches=True)
    small = f.bypassed_batch(tenant, invoices=1, amount_cents=500)
    assert verify(open_for(tenant, small), pat).status == RequestStatus.PENDING
    invoice = f.imported_invoice(tenant, amount_cents=500)
    assert verify(open_for(tenant, invoice), pat).status == RequestStatus.COMPLETED


def test_a_policy_turned_on_after_opening_applies_at_the_first_approval(tenant, pat):
    request = open_for(tenant, f.imported_invoice(tenant, amount_cents=200000))
    two_from(tenant, 1000)
    assert verify(request, pat).status == RequestStatus.PENDING


def test_a_policy_turned_off_after_the_first_approval_does_not_apply_to_it(large, pat, tenant):
    request, _ = large
    verify(request, pat)
    two_from(tenant, None)

    refusal = refusal_of(lambda: verify(request, pat))

    assert refusal.code == "already_approved_by_you"
    read = get_request(request.pk)
    assert read.status == RequestStatus.PENDING
    assert read.approvals_needed().required == 2


def test_the_amount_is_judged_again_at_the_approval(tenant, pat):
    two_from(tenant, 1000)
    batch = f.open_batch(tenant, invoices=1, amount_cents=50000)
    platform.bypass_batch(batch=batch)
    request = open_for(tenant, batch)
    assert request.approvals_needed().required == 1
    # A transaction joins the batch after opening: it now reopens $1,100.00.
    extra = platform.create_transaction(
        tenant=tenant, record_type="invoice", number="INV-LATE", amount_cents=60000
    )
    platform.bypass_transaction(record=extra)
    platform.move_to_batch(record=extra, batch=batch)

    assert verify(request, pat).status == RequestStatus.PENDING


def test_the_other_admins_are_emailed_the_link_and_the_helpdesk_hears_of_it(large, pat, lee):
    request, _ = large
    WebhookEndpoint.objects.create(name="helpdesk", url="https://helpdesk.example/hook")
    mail.outbox.clear()

    verify(request, pat)

    rows = OutboxMessage.objects.filter(reference=request.pk, event="approval_recorded")
    emails = rows.filter(kind=MessageKind.EMAIL)
    assert list(emails.values_list("recipient", flat=True)) == [lee.email]
    body = emails.get().body
    assert "Pat Morgan" in body and "needs 2 approvals: $1,730.00 is over" in body
    assert "/approve/" in body
    hook = json.loads(rows.get(kind=MessageKind.WEBHOOK).body)
    assert hook["event"] == "unlock_request.approval_recorded"
    assert hook["request"]["status"] == "pending"
    assert hook["request"]["approvals_required"] == 2
    assert [a["by"] for a in hook["request"]["approvals"]] == [pat.email]


def test_both_approvers_get_the_receipt(large, pat, lee):
    request, _ = large
    verify(request, pat)
    verify(request, lee)
    receipts = OutboxMessage.objects.filter(reference=request.pk, event="completed")
    assert sorted(receipts.values_list("recipient", flat=True)) == sorted([pat.email, lee.email])
    assert "Approval 1 of 2: pat@acme.test" in receipts.first().body


def test_either_admin_or_support_cancels_a_request_awaiting_its_second_approval(
    large, pat, lee, tenant
):
    request, batch = large
    verify(request, pat)

    cancelled = services.cancel_request(
        request_id=request.pk, reason="Changed my mind", actor=AGENT, admin=lee
    )

    assert cancelled.status == RequestStatus.CANCELLED
    batch.refresh_from_db()
    assert batch.state == LockState.BYPASSED
    refusal = refusal_of(lambda: verify(request, lee))
    assert refusal.code == "request_not_pending"
    other = open_for(tenant, f.imported_invoice(tenant, amount_cents=200000))
    verify(other, pat)
    by_support = services.cancel_request(request_id=other.pk, reason="No", actor=AGENT)
    assert by_support.status == RequestStatus.CANCELLED


def test_an_admin_cannot_cancel_a_request_nobody_approved_yet(large, lee):
    request, _ = large
    refusal = refusal_of(
        lambda: services.cancel_request(request_id=request.pk, reason="x", actor=AGENT, admin=lee)
    )
    assert refusal.code == "request_not_awaiting_approval"
    assert UnlockRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


def test_another_tenants_admin_cannot_cancel_it(large, pat, sam):
    request, _ = large
    verify(request, pat)
    refusal = refusal_of(
        lambda: services.cancel_request(request_id=request.pk, reason="x", actor=AGENT, admin=sam)
    )
    assert refusal.code == "not_tenant_admin"


def test_a_request_awaiting_its_second_approval_expires_from_its_opening(large, pat, lee):
    request, _ = large
    verify(request, pat)
    assert services.expire_requests(now=request.expires_at + timedelta(seconds=1)) == 1
    assert refusal_of(lambda: verify(request, lee)).code == "request_not_pending"


def test_every_rule_is_checked_again_at_the_second_approval(tenant, pat, lee):
    two_from(tenant, 1000)
    invoice = f.imported_invoice(tenant, amount_cents=150000)
    first, second = open_for(tenant, invoice), open_for(tenant, invoice)
    verify(first, pat)
    # Meanwhile another request for the same invoice gets both its approvals.
    verify(second, pat)
    verify(second, lee)

    refusal = refusal_of(lambda: verify(first, lee))

    assert refusal.code == "not_locked"
    first.refresh_from_db()
    assert first.status == RequestStatus.REFUSED
    assert Approval.objects.filter(request=first).count() == 1


def test_a_removed_admin_cannot_give_the_second_approval(large, pat, tenant):
    request, _ = large
    verify(request, pat)
    newcomer = admin_of(tenant, email="new@acme.test")
    newcomer.memberships.update(role="member")
    refusal = refusal_of(lambda: verify(request, newcomer, pin=PIN))
    assert refusal.code == "not_tenant_admin"
