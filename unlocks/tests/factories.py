"""Records in every state, made through the platform's own operations."""

import itertools

from unlocks import platform

_numbers = itertools.count(1)


def _n(prefix):
    return f"{prefix}-{next(_numbers)}"


def open_batch(tenant, invoices=1, payments=0, number=None):
    batch = platform.create_batch(tenant=tenant, number=number or _n("B"))
    for _ in range(invoices):
        platform.create_transaction(
            tenant=tenant, record_type="invoice", number=_n("INV"), batch=batch
        )
    for _ in range(payments):
        platform.create_transaction(
            tenant=tenant, record_type="payment", number=_n("PAY"), batch=batch
        )
    return batch


def bypassed_batch(tenant, invoices=1, payments=0, **kwargs):
    return platform.bypass_batch(batch=open_batch(tenant, invoices, payments, **kwargs))


def exported_batch(tenant, invoices=1, payments=0, **kwargs):
    return platform.export_batch(batch=open_batch(tenant, invoices, payments, **kwargs))


def open_invoice(tenant, batch=None):
    return platform.create_transaction(
        tenant=tenant, record_type="invoice", number=_n("INV"), batch=batch
    )


def open_payment(tenant, batch=None):
    return platform.create_transaction(
        tenant=tenant, record_type="payment", number=_n("PAY"), batch=batch
    )


def bypassed_invoice(tenant):
    return platform.bypass_transaction(record=open_invoice(tenant))


def imported_invoice(tenant):
    return platform.import_transaction(tenant=tenant, record_type="invoice", number=_n("INV"))


def imported_payment(tenant):
    return platform.import_transaction(tenant=tenant, record_type="payment", number=_n("PAY"))


def target(record):
    return {"type": record.record_type, "number": record.number}
