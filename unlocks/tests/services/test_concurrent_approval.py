import threading

import pytest
from django.db import connections

from accounts.tests.factories import TenantFactory, admin_of
from audit.models import AuditEntry
from core.refusals import Refusal
from unlocks.models import Invoice, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def run_at_once(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Refusal as refusal:
            results.append(refusal.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_unlock_once():
    tenant = TenantFactory()
    admin = admin_of(tenant)
    batch = f.bypassed_batch(tenant, invoices=3)
    request = open_for(tenant, batch)

    results = run_at_once(2, lambda: verify(request, admin).status)

    assert sorted(results) == [RequestStatus.COMPLETED, "request_not_pending"]
    assert AuditEntry.objects.filter(request_id=request.pk, action="request_approved").count() == 1
    # The batch and each of its three invoices, once.
    assert AuditEntry.objects.filter(request_id=request.pk, action="record_unlocked").count() == 4
    assert Invoice.objects.filter(batch=batch, state="open").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_guesses_get_at_most_five_wrong_tries():
    tenant = TenantFactory()
    admin = admin_of(tenant)
    requests = [open_for(tenant, f.imported_invoice(tenant)) for _ in range(4)]
    counter = iter(range(100))

    def guess():
        request = requests[next(counter) % len(requests)]
        return verify(request, admin, pin="999999").status

    results = run_at_once(20, guess)

    assert results.count("pin_incorrect") == 4
    assert results.count("pin_locked") == 16
    assert AuditEntry.objects.filter(action="pin_incorrect").count() == 5
    assert AuditEntry.objects.filter(action="pin_locked").count() == 1
