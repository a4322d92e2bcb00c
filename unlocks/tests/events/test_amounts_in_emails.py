"""The approval email and the receipt say what each record is and how much is at stake."""

import pytest

from notifications.models import MessageKind, OutboxMessage
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def email(request, event):
    return OutboxMessage.objects.get(reference=request.pk, kind=MessageKind.EMAIL, event=event)


def test_the_approval_email_gives_each_records_money_and_the_total(tenant, pat):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1, amount_cents=41000)
    invoice = f.imported_invoice(tenant, amount_cents=81750, customer="Maple & Oak Dental")

    row = email(open_for(tenant, batch, invoice), "created")

    # The subject counts as the body does: the transactions the unlock reopens.
    assert row.subject == "Acme: approve the unlock of 4 records, $2,047.50 in all"
    assert f"Batch {batch.number} (bypassed), 3 transactions, $1,230.00" in row.body
    assert f"Invoice {invoice.number} (imported), Maple & Oak Dental · $817.50 · issued" in row.body
    assert "That is 4 records, $2,047.50 in all." in row.body
    assert "Maple &amp; Oak Dental · $817.50" in row.html
    assert "That is <strong>4 records, $2,047.50 in all</strong>." in row.html


def test_the_receipt_email_gives_each_records_money_and_what_was_reopened(tenant, pat):
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=41000)
    request = verify(open_for(tenant, batch), pat)

    row = email(request, "completed")

    assert f"- batch {batch.number} (was bypassed), 2 transactions, $820.00, with" in row.body
    assert "That is 2 records, $820.00 in all." in row.body
    assert "That is <strong>2 records, $820.00 in all</strong>." in row.html
