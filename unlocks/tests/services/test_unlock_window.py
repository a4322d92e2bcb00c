"""An unlock lasts for its window (SPEC rule 11): the clock starts at approval, the
window's end puts what is still open back to its lock, and it can end early."""

from datetime import timedelta

import pytest

from audit.models import AuditEntry
from core.refusals import Refusal
from notifications.models import OutboxMessage
from unlocks import outlook, platform, selectors, services
from unlocks.management.commands.move_window import move_window_back
from unlocks.models import Batch, Invoice, Payment, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify

pytestmark = pytest.mark.django_db


def approved(tenant, admin, *records, **fields):
    return verify(open_for(tenant, *records), admin, **fields)


def states(*records):
    for record in records:
        record.refresh_from_db()
    return [r.state for r in records]


def test_the_clock_starts_at_approval_not_at_opening(tenant, admin, clock):
    request = open_for(tenant, f.imported_invoice(tenant))
    clock.move(hours=5)

    verify(request, admin)

    request.refresh_from_db()
    assert request.window_hours == 72
    assert request.unlocked_until == clock.now + timedelta(hours=72)
    assert request.approved_at == clock.now


def test_a_request_names_its_own_window(tenant, admin, clock):
    request = open_for(tenant, f.imported_invoice(tenant), window_hours=4)

    request = verify(request, admin)

    assert request.unlocked_until == clock.now + timedelta(hours=4)
    assert request.remind_at == clock.now + timedelta(hours=3)


@pytest.mark.parametrize("hours", [0, 337, -1, "72", True])
def test_a_window_outside_1_to_336_hours_is_refused(tenant, hours):
    with pytest.raises(Refusal) as refused:
        open_for(tenant, f.imported_invoice(tenant), window_hours=hours)
    assert refused.value.code == "invalid"
    assert "window_hours" in refused.value.details
    assert not UnlockRequest.objects.exists()


def test_the_approver_may_shorten_the_window(tenant, admin, clock):
    request = approved(tenant, admin, f.imported_invoice(tenant), window_hours=2)

    request.refresh_from_db()
    assert request.window_hours == 2
    assert request.unlocked_until == clock.now + timedelta(hours=2)
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_approved")
    assert entry.data["window_hours"] == 2


def test_the_approver_may_not_lengthen_the_window(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant), window_hours=24)

    with pytest.raises(Refusal) as refused:
        verify(request, admin, window_hours=25)

    assert refused.value.code == "invalid"
    assert "new request" in refused.value.details["window_hours"]
    request.refresh_from_db()
    assert (request.status, request.window_hours) == ("pending", 24)


# ------------------------------------------------------------ the window's end


def test_a_record_still_open_goes_back_to_its_lock_when_the_window_ends(tenant, admin, clock):
    invoice = f.imported_invoice(tenant)
    payment = f.bypassed_invoice(tenant)
    request = approved(tenant, admin, invoice, payment)
    assert states(invoice, payment) == ["open", "open"]
    clock.move(hours=72)

    assert services.end_windows() == 1

    assert states(invoice, payment) == ["imported", "bypassed"]
    request.refresh_from_db()
    assert request.relocked_at == request.unlocked_until
    assert request.relocked_by == "system"
    assert request.window_outcome["exported"] == []
    entries = AuditEntry.objects.filter(request_id=request.pk, action="record_relocked")
    seen = [(e.target_number, e.state_before, e.state_after, e.actor_kind) for e in entries]
    assert sorted(seen) == sorted(
        [
            (invoice.number, "open", "imported", "system"),
            (payment.number, "open", "bypassed", "system"),
        ]
    )
    assert AuditEntry.objects.filter(request_id=request.pk, action="request_relocked").count() == 1


def test_a_window_not_yet_ended_is_left_alone(tenant, admin, clock):
    invoice = f.imported_invoice(tenant)
    approved(tenant, admin, invoice)
    clock.move(hours=71, minutes=59)

    assert services.end_windows() == 0
    assert states(invoice) == ["open"]


def test_a_record_reads_locked_once_its_window_has_ended_before_the_job_runs(tenant, admin, clock):
    invoice = f.imported_invoice(tenant)
    approved(tenant, admin, invoice)
    summary = selectors.record_summary(
        tenant_slug=tenant.slug, record_type="invoice", number=invoice.number
    )
    assert (summary["state"], summary["locked"]) == ("open", False)
    assert summary["unlocked_until"] == clock.now + timedelta(hours=72)
    clock.move(hours=72)

    summary = selectors.record_summary(
        tenant_slug=tenant.slug, record_type="invoice", number=invoice.number
    )
    assert (summary["state"], summary["locked"], summary["unlocked_until"]) == (
        "imported",
        True,
        None,
    )
    invoice.refresh_from_db()
    assert (invoice.state, invoice.state_now) == ("open", "imported")
    # A new request's rules read it locked: it may be asked for again.
    assert outlook.preview(tenant=tenant.slug, targets=[f.target(invoice)]).ok


def test_the_platform_does_not_export_a_batch_whose_window_has_ended(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=2)
    approved(tenant, admin, batch)
    clock.move(hours=73)

    with pytest.raises(Refusal) as refused:
        platform.export_batch(batch=batch)

    assert refused.value.code == "batch_not_open"
    assert list(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == [
        "open",
        "open",
    ]


def test_a_record_exported_in_the_window_stays_exported_and_is_noted(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    request = approved(tenant, admin, batch)
    clock.move(hours=10)
    platform.export_batch(batch=batch)
    clock.move(hours=62)

    services.end_windows()

    batch.refresh_from_db()
    assert batch.state == "exported"
    assert set(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == {"exported"}
    request.refresh_from_db()
    assert request.window_outcome["relocked"] == []
    assert {r["number"] for r in request.window_outcome["exported"]} == {
        batch.number,
        *Invoice.objects.filter(batch=batch).values_list("number", flat=True),
        *Payment.objects.filter(batch=batch).values_list("number", flat=True),
    }
    assert not AuditEntry.objects.filter(request_id=request.pk, action="record_relocked").exists()


def test_a_batch_with_some_transactions_exported_relocks_the_rest(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=3)
    request = approved(tenant, admin, batch)
    first, second, third = Invoice.objects.filter(batch=batch).order_by("pk")
    # The platform moves one into a batch of its own and exports that in the window.
    other = platform.create_batch(tenant=tenant, number="B-OTHER")
    platform.move_to_batch(record=first, batch=other)
    platform.export_batch(batch=other)
    clock.move(hours=72)

    services.end_windows()

    assert states(batch, first, second, third) == ["bypassed", "exported", "bypassed", "bypassed"]
    request.refresh_from_db()
    assert request.window_outcome["exported"] == [{"type": "invoice", "number": first.number}]
    assert {r["number"] for r in request.window_outcome["relocked"]} == {
        batch.number,
        second.number,
        third.number,
    }
    relocked = AuditEntry.objects.filter(request_id=request.pk, action="record_relocked")
    assert sorted(e.target_number for e in relocked) == sorted(
        [batch.number, second.number, third.number]
    )


def test_a_new_approval_after_the_window_reopens_it_for_the_new_window(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=2)
    old = approved(tenant, admin, batch)
    clock.move(hours=73)
    new = approved(tenant, admin, batch, window_hours=5)

    # The old window's end finds nothing of its own left.
    services.end_windows()

    old.refresh_from_db()
    assert old.window_outcome == {"exported": [], "relocked": []}
    assert states(batch) == ["open"]
    assert set(Invoice.objects.filter(batch=batch).values_list("unlocked_by", flat=True)) == {
        new.pk
    }
    clock.move(hours=5)
    services.end_windows()
    assert states(batch) == ["bypassed"]
    assert set(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == {"bypassed"}


def test_the_window_job_runs_safely_twice(tenant, admin, clock):
    request = approved(tenant, admin, f.imported_invoice(tenant))
    clock.move(hours=80)

    assert services.end_windows() == 1
    assert services.end_windows() == 0
    assert AuditEntry.objects.filter(request_id=request.pk, action="request_relocked").count() == 1


# Up to 15 + 15 here: SQLite splits an INSERT of more audit entries than its parameter limit
# allows into several (PostgreSQL does not); every other statement is one whatever the size.
@pytest.mark.parametrize("transactions", [1, 15])
def test_the_window_job_takes_the_same_queries_whatever_the_records(
    tenant, admin, clock, django_assert_num_queries, transactions
):
    batch = f.bypassed_batch(tenant, invoices=transactions, payments=transactions)
    approved(tenant, admin, batch, f.imported_invoice(tenant))
    clock.move(hours=72)

    # The due ids; the request, locked; records of each type locked and re-locked (3 + 3);
    # the request saved; the relocked event (admins, endpoints, outbox); the audit chain.
    with django_assert_num_queries(QUERIES_TO_END_A_WINDOW):
        assert services.end_windows() == 1


QUERIES_TO_END_A_WINDOW = 18


# ------------------------------------------------------------ ending early


def test_an_agent_relocks_early_with_a_reason(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=1)
    request = approved(tenant, admin, batch)
    clock.move(hours=2)

    services.relock_request(request_id=request.pk, reason="Customer is done", actor=AGENT)

    request.refresh_from_db()
    assert request.relocked_at == clock.now
    assert (request.relocked_by, request.relock_reason) == (AGENT.label, "Customer is done")
    assert states(batch) == ["bypassed"]
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_relocked")
    assert (entry.actor_kind, entry.data["reason"], entry.data["early"]) == (
        "agent",
        "Customer is done",
        True,
    )
    # The window's end later finds nothing to do.
    clock.move(hours=80)
    assert services.end_windows() == 0


def test_a_second_relock_is_refused_and_audited(tenant, admin):
    request = approved(tenant, admin, f.imported_invoice(tenant))
    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    with pytest.raises(Refusal) as refused:
        services.relock_request(request_id=request.pk, reason="Again", actor=AGENT)

    assert refused.value.code == "already_relocked"
    assert AuditEntry.objects.filter(request_id=request.pk, action="relock_refused").count() == 1


def test_relocking_after_the_window_ends_it_as_the_system_and_says_so(tenant, admin, clock):
    invoice = f.imported_invoice(tenant)
    request = approved(tenant, admin, invoice)
    clock.move(hours=73)

    with pytest.raises(Refusal) as refused:
        services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    assert refused.value.code == "already_relocked"
    assert states(invoice) == ["imported"]
    request.refresh_from_db()
    assert request.relocked_at == request.unlocked_until
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_relocked")
    assert entry.actor_kind == "system"


def test_a_pending_request_cannot_be_relocked(tenant):
    request = open_for(tenant, f.imported_invoice(tenant))

    with pytest.raises(Refusal) as refused:
        services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)

    assert refused.value.code == "request_not_completed"


def test_a_relock_needs_a_reason(tenant, admin):
    request = approved(tenant, admin, f.imported_invoice(tenant))

    with pytest.raises(Refusal) as refused:
        services.relock_request(request_id=request.pk, reason="  ", actor=AGENT)

    assert (refused.value.code, list(refused.value.details)) == ("invalid", ["reason"])


# ------------------------------------------------------------ who hears of it


def test_the_admins_are_reminded_once_when_a_quarter_of_the_window_is_left(tenant, admin, clock):
    request = approved(tenant, admin, f.imported_invoice(tenant))
    clock.move(hours=53)
    assert services.remind_windows() == 0
    clock.move(hours=1)

    assert services.remind_windows() == 1
    assert services.remind_windows() == 0

    (email,) = OutboxMessage.objects.filter(reference=request.pk, event="window_ending")
    assert email.recipient == admin.email
    assert request.unlocked_until.strftime("%Y-%m-%d %H:%M") in email.subject


def test_a_reminder_comes_at_least_an_hour_before_the_end(tenant, admin, clock):
    request = approved(tenant, admin, f.imported_invoice(tenant), window_hours=2)
    assert request.remind_at == request.unlocked_until - timedelta(hours=1)


def test_a_one_hour_window_has_no_reminder(tenant, admin):
    request = approved(tenant, admin, f.imported_invoice(tenant), window_hours=1)
    assert request.remind_at is None


def test_the_relock_email_lists_what_was_exported_and_what_went_back(tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=1)
    imported = f.imported_invoice(tenant)
    request = approved(tenant, admin, batch, imported)
    platform.export_batch(batch=batch)
    clock.move(hours=72)

    services.end_windows()

    (email,) = OutboxMessage.objects.filter(reference=request.pk, event="relocked")
    text = email.body
    exported_part, back_part = text.split("Back to its lock:")
    assert f"Batch {batch.number}" in exported_part
    assert f"Invoice {imported.number}: imported" in back_part


def test_an_early_relock_is_not_reminded_of(tenant, admin, clock):
    request = approved(tenant, admin, f.imported_invoice(tenant))
    services.relock_request(request_id=request.pk, reason="Done", actor=AGENT)
    clock.move(hours=60)

    assert services.remind_windows() == 0


def test_moving_the_clock_ends_a_window_now(tenant, admin, clock):
    invoice = f.imported_invoice(tenant)
    request = approved(tenant, admin, invoice)

    move_window_back(request_id=request.pk)

    request.refresh_from_db()
    assert request.unlocked_until == clock.now
    invoice.refresh_from_db()
    assert invoice.state_now == "imported"
    assert Batch.objects.count() == 0
