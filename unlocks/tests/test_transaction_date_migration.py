"""Transactions that existed before they had a date are dated the day they were created."""

import importlib
from datetime import UTC, date, datetime

from django.apps import apps

from unlocks.models import Invoice, Payment
from unlocks.tests import factories as f

migration = importlib.import_module("unlocks.migrations.0006_transaction_date")


def test_it_dates_each_transaction_by_the_day_it_was_created(tenant):
    invoice, payment = f.open_invoice(tenant), f.open_payment(tenant)
    created = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)
    Invoice.objects.filter(pk=invoice.pk).update(created_at=created)
    Payment.objects.filter(pk=payment.pk).update(created_at=created)

    migration.date_from_created(apps, None)

    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.date == payment.date == date(2025, 3, 9)
