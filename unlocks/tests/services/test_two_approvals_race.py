"""Races of the two approvals (SPEC rule 13) on PostgreSQL: two admins approving at once
make one approval and one unlock; the same admin twice at once makes one approval; an
approval racing a cancel leaves either a cancelled request with nothing unlocked or a
completed one, never both."""

import pytest

from accounts.models import Tenant
from accounts.tests.factories import TenantFactory, admin_of
from audit.models import AuditEntry
from unlocks import services
from unlocks.models import Approval, Invoice, RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify
from unlocks.tests.services.test_concurrent_approval import run_at_once


def two_admins_and_a_large_batch():
    tenant = TenantFactory()
    first, second = admin_of(tenant), admin_of(tenant)
    Tenant.objects.filter(pk=tenant.pk).update(two_approvers_from_cents=100000)
    batch = f.bypassed_batch(tenant, invoices=3, amount_cents=50000)
    return tenant, first, second, batch, open_for(tenant, batch)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_approving_at_once_make_one_of_two_then_the_unlock():
    _, first, second, batch, request = two_admins_and_a_large_batch()
    admins = iter([first, second])

    results = run_at_once(2, lambda: verify(request, next(admins)).status)

    # Whichever came second found the other's approval and unlocked.
    assert sorted(results) == [RequestStatus.COMPLETED, RequestStatus.PENDING]
    assert Approval.objects.filter(request=request).count() == 2
    assert AuditEntry.objects.filter(request_id=request.pk, action="approval_recorded").count() == 1
    assert AuditEntry.objects.filter(request_id=request.pk, action="request_approved").count() == 1
    assert Invoice.objects.filter(batch=batch, state="open").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_admin_approving_twice_at_once_is_one_approval():
    _, first, _, batch, request = two_admins_and_a_large_batch()

    results = run_at_once(2, lambda: verify(request, first).status)

    assert sorted(results) == ["already_approved_by_you", RequestStatus.PENDING]
    assert Approval.objects.filter(request=request).count() == 1
    assert Invoice.objects.filter(batch=batch, state="open").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_second_approval_racing_a_cancel_ends_one_way_or_the_other():
    _, first, second, batch, request = two_admins_and_a_large_batch()
    verify(request, first)
    work = iter(
        [
            lambda: verify(request, second).status,
            lambda: (
                services.cancel_request(
                    request_id=request.pk, reason="Changed our minds", actor=AGENT, admin=first
                ).status
            ),
        ]
    )

    results = run_at_once(2, lambda: next(work)())

    final = UnlockRequest.objects.get(pk=request.pk).status
    opened = Invoice.objects.filter(batch=batch, state="open").count()
    if final == RequestStatus.COMPLETED:
        assert sorted(results) == [RequestStatus.COMPLETED, "request_not_pending"]
        assert opened == 3
    else:
        assert final == RequestStatus.CANCELLED
        assert sorted(results) == [RequestStatus.CANCELLED, "request_not_pending"]
        assert opened == 0
        assert not AuditEntry.objects.filter(request_id=request.pk, action="record_unlocked")
