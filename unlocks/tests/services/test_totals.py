"""What a batch holds and what an unlock puts at stake: counted by the database, once."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from unlocks import outlook, platform
from unlocks.models import Invoice
from unlocks.selectors import _approved_total, batch_totals, receipt_for, request_with_targets
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def test_a_batch_counts_its_invoices_and_payments_and_their_total(tenant):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1, amount_cents=41000)
    empty = f.bypassed_batch(tenant, invoices=0)

    assert batch_totals([batch.pk, empty.pk]) == {batch.pk: (3, 123000), empty.pk: (0, 0)}


def test_the_totals_of_many_batches_take_one_query(tenant):
    batches = [f.bypassed_batch(tenant, invoices=3, payments=2) for _ in range(5)]
    with CaptureQueriesContext(connection) as one:
        batch_totals([batches[0].pk])
    with CaptureQueriesContext(connection) as five:
        totals = batch_totals([b.pk for b in batches])
    assert len(one) == len(five) == 1
    assert set(totals.values()) == {(5, 0)}


def test_a_requests_targets_come_with_their_money_in_the_query_that_reads_them(tenant):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1, amount_cents=10000)
    invoice = f.imported_invoice(tenant, amount_cents=41000, customer="Jones Residence")
    request = open_for(tenant, batch, invoice)

    with CaptureQueriesContext(connection) as queries:
        read = request_with_targets(request.pk)
        at_stake = read.at_stake()
        shown = [
            (t.customer, t.amount_cents, t.transaction_count, t.total_cents)
            for t in read.targets.all()
        ]

    # The request with its tenant, the targets with their money, its approvals.
    assert len(queries) == 3
    assert shown == [(None, None, 3, 30000), ("Jones Residence", 41000, None, None)]
    assert (at_stake.transactions, at_stake.cents, at_stake.currency) == (4, 71000, "USD")
    assert str(at_stake) == "4 records, $710.00 in all"


def test_a_transaction_named_with_its_batch_counts_once(tenant):
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=41000)
    first = Invoice.objects.filter(batch=batch).first()

    request = request_with_targets(open_for(tenant, batch, first).pk)

    assert str(request.at_stake()) == "2 records, $820.00 in all"


def test_the_preview_says_what_opening_would_reopen(tenant):
    batch = f.bypassed_batch(tenant, invoices=1, payments=1, amount_cents=20000)
    payment = f.imported_payment(tenant, amount_cents=5050, customer="Elm Park Clinic")

    preview = outlook.preview(
        tenant=tenant.slug,
        targets=[{"type": "batch", "number": batch.number}, f.target(payment)],
    )

    assert str(preview.total) == "3 records, $450.50 in all"
    batch_view, payment_view = preview.targets
    assert (batch_view.transaction_count, batch_view.total_cents) == (2, 40000)
    assert (payment_view.customer, payment_view.amount_cents) == ("Elm Park Clinic", 5050)
    assert payment_view.date == payment.date
    assert payment_view.currency == "USD"


def test_the_approval_audits_the_total_it_reopened(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1, amount_cents=41000)
    named = Invoice.objects.filter(batch=batch).first()
    imported = f.imported_invoice(tenant, amount_cents=81750)

    request = verify(open_for(tenant, batch, named, imported), admin)

    entry = AuditEntry.objects.get(request_id=request.pk, action="request_approved")
    assert entry.data == {
        "approver": admin.email,
        "approved_with": ["pin"],
        "transactions": 4,
        "total": "2047.50",
        "currency": "USD",
        "window_hours": 72,
        "unlocked_until": request.unlocked_until.isoformat(),
        "approvals": [admin.email],
    }


def test_the_audited_total_counts_only_what_the_approval_opened(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=10000)
    # Put in the batch by the platform after it was bypassed: open already, not reopened.
    platform.create_transaction(
        tenant=tenant, record_type="invoice", number="INV-LATE", batch=batch, amount_cents=999
    )

    request = verify(open_for(tenant, batch), admin)

    entry = AuditEntry.objects.get(request_id=request.pk, action="request_approved")
    assert (entry.data["transactions"], entry.data["total"]) == (2, "200.00")


def test_the_receipt_gives_the_audited_total_and_each_records_money(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=3, amount_cents=54583)
    invoice = f.imported_invoice(tenant, amount_cents=1, customer="Jones Residence")
    request = verify(open_for(tenant, batch, invoice), admin)

    receipt = receipt_for(request_with_targets(request.pk))

    assert str(receipt["total"]) == "4 records, $1,637.50 in all"
    assert [item["target"].number for item in receipt["unlocked"]] == [batch.number, invoice.number]
    assert receipt["unlocked"][1]["target"].customer == "Jones Residence"


def test_an_approval_audited_before_totals_has_none_recorded():
    assert _approved_total(SimpleNamespace(data={"approver": "pat@acme.test"})) is None
