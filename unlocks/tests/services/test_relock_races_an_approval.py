"""A window's end races the approval of another request for the same records (PostgreSQL).

Request A's window has ended, so its batch reads bypassed and request B may ask for it
again. The job ending A and B's approval lock the same rows in the documented order;
whichever wins, the other reads the records as the winner left them: B's unlock stands,
A re-locks only what is still its own (at once, or at the job's next run when it found
the tenant busy), and nothing deadlocks.
"""

import pytest
from django.utils import timezone

from accounts.tests.factories import TenantFactory, admin_of
from audit.models import AuditEntry
from audit.selectors import verify_chain
from unlocks import services
from unlocks.models import Batch, Invoice, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify
from unlocks.tests.services.test_concurrent_approval import run_at_once


def window_ended(request):
    past = timezone.now()
    UnlockRequest.objects.filter(pk=request.pk).update(unlocked_until=past)
    for model in (Batch, Invoice):
        model.objects.filter(unlocked_by=request).update(unlocked_until=past)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(4))
def test_a_window_ending_while_another_request_is_approved_keeps_the_new_unlock(round_):
    tenant = TenantFactory()
    admin = admin_of(tenant)
    batch = f.bypassed_batch(tenant, invoices=3)
    first = verify(open_for(tenant, batch), admin)
    window_ended(first)
    second = open_for(tenant, batch)
    jobs = [services.end_windows, lambda: verify(second, admin).status]
    # Each round starts them in the other order; the barrier lets them go at once.
    work = iter(jobs if round_ % 2 else jobs[::-1])

    results = run_at_once(2, lambda: next(work)())

    # The job skips a request whose tenant an approval holds (the next run takes it).
    assert sorted(map(str, results)) in (["0", "completed"], ["1", "completed"])
    services.end_windows()
    batch.refresh_from_db()
    assert (batch.state, batch.unlocked_by_id) == ("open", second.pk)
    assert set(Invoice.objects.filter(batch=batch).values_list("state", "unlocked_by")) == {
        ("open", second.pk)
    }
    first.refresh_from_db()
    assert first.relocked_at is not None
    # All of A's records went back before B opened them, or none were A's any more.
    went_back = AuditEntry.objects.filter(request_id=first.pk, action="record_relocked")
    assert went_back.count() in (0, 4)
    assert went_back.count() == len(first.window_outcome["relocked"])
    assert verify_chain(tenant=tenant).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(4))
def test_a_window_ending_races_an_approval_of_the_batch_its_records_are_in(round_):
    # A unlocked two invoices of a bypassed batch one by one; B asks for the batch and one
    # of them. B locks the batch and that invoice, then opens the batch's other ones; A
    # locks both invoices. Without the tenant's row between them, they would deadlock.
    tenant = TenantFactory()
    admin = admin_of(tenant)
    batch = f.bypassed_batch(tenant, invoices=3)
    one, two, _ = Invoice.objects.filter(batch=batch).order_by("pk")
    first = verify(open_for(tenant, one, two), admin)
    window_ended(first)
    second = open_for(tenant, batch, two)
    jobs = [services.end_windows, lambda: verify(second, admin).status]
    work = iter(jobs if round_ % 2 else jobs[::-1])

    results = run_at_once(2, lambda: next(work)())

    # The job skips a request whose tenant an approval holds (the next run takes it).
    assert sorted(map(str, results)) in (["0", "completed"], ["1", "completed"])
    services.end_windows()
    assert set(Invoice.objects.filter(batch=batch).values_list("state", "unlocked_by")) == {
        ("open", second.pk)
    }
    assert verify_chain(tenant=tenant).ok
