"""Records in every state, made through the platform's own operations."""

import itertools

from unlocks import platform

_numbers = itertools.count(1)


def _n(prefix):
    return f"{prefix}-{next(_numbers)}"


def open_batch(tenant, invoices=1, payments=0, number=None, amount_cents=0):
    """A batch of `invoices` and `payments`, each of `amount_cents`."""
    batch = platform.create_batch(tenant=tenant, number=number or _n("B"))
    for _ in range(invoices):
        platform.create_transaction(
            tenant=tenant,
            record_type="invoice",
            number=_n("INV"),
            batch=batch,
            amount_cents=amount_cents,
        )
    for _ in range(payments):
        platform.create_transaction(
            tenant=tenant,
            record_type="payment",
            number=_n("PAY"),
            batch=batch,
            amount_cents=amount_cents,
        )
    return batch


def bypassed_batch(tenant, invoices=1, payments=0, **kwargs):
    return platform.bypass_batch(batch=open_batch(tenant, invoices, payments, **kwargs))


def exported_batch(tenant, invoices=1, payments=0, **kwargs):
    return platform.export_batch(batch=open_batch(tenant, invoices, payments, **kwargs))


def open_invoice(tenant, batch=None, **fields):
    """`fields`: amount_cents, customer, date."""
    return platform.create_transaction(
        tenant=tenant, record_type="invoice", number=_n("INV"), batch=batch, **fields
    )


def open_payment(tenant, batch=None, **fields):
    return platform.create_transaction(
        tenant=tenant, record_type="payment", number=_n("PAY"), batch=batch, **fields
    )


def bypassed_invoice(tenant, **fields):
    return platform.bypass_transaction(record=open_invoice(tenant, **fields))


def imported_invoice(tenant, **fields):
    return platform.import_transaction(
        tenant=tenant, record_type="invoice", number=_n("INV"), **fields
    )


def imported_payment(tenant, **fields):
    return platform.import_transaction(
        tenant=tenant, record_type="payment", number=_n("PAY"), **fields
    )


def target(record):
    return {"type": record.record_type, "number": record.number}
