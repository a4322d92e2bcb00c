"""The platform's own operations that lock records: export, bypass, import.

In the real product these happen in the field-service platform; here they exist so
that `seed_demo`, the tests and the benchmarks can put records in every state.
Each locks the batch it touches first, the same order an unlock locks in.
"""

import uuid

from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entry
from core.refusals import Refusal
from unlocks.models import (
    RECORD_MODELS,
    Batch,
    ExportRecord,
    Invoice,
    LockState,
    Payment,
)

SYSTEM = Actor.system("platform")


def create_batch(*, tenant, number) -> Batch:
    """A new open batch."""
    return Batch.objects.create(tenant=tenant, number=number)


def create_transaction(
    *, tenant, record_type, number, batch=None, amount_cents=0, customer="", date=None
):
    """A new open invoice or payment, in `batch` if given; dated today unless `date`."""
    return RECORD_MODELS[record_type].objects.create(
        tenant=tenant,
        number=number,
        batch=batch,
        amount_cents=amount_cents,
        customer=customer,
        date=date or timezone.localdate(),
    )


@transaction.atomic
def import_transaction(
    *, tenant, record_type, number, amount_cents=0, customer="", date=None, actor=SYSTEM
):
    """A transaction that came in from another system: read-only (`imported`)."""
    record = RECORD_MODELS[record_type].objects.create(
        tenant=tenant,
        number=number,
        state=LockState.IMPORTED,
        amount_cents=amount_cents,
        customer=customer,
        date=date or timezone.localdate(),
    )
    record_entry(
        tenant=tenant,
        action=AuditAction.RECORD_IMPORTED,
        actor=actor,
        target=record,
        state_after=LockState.IMPORTED,
    )
    return record


def _lock(record):
    return type(record).objects.select_for_update(no_key=True).get(pk=record.pk)


@transaction.atomic
def export_batch(*, batch, system="QuickBooks Online", actor=SYSTEM) -> Batch:
    """Export an open batch: its open transactions become exported, with history. A batch
    or transaction whose unlock's window has ended reads locked, and is not exported."""
    batch = _lock(batch)
    now = timezone.now()
    if (state := batch.state_at(now)) != LockState.OPEN:
        raise Refusal(
            "batch_not_open",
            f"Batch {batch.number} is {state}; only an open batch can be exported.",
        )
    exports = []
    for model, field in ((Invoice, "invoice"), (Payment, "payment")):
        open_now = model.objects.reading([LockState.OPEN], now).filter(batch=batch)
        for txn in open_now.only("pk", "tenant_id"):
            exports.append(
                ExportRecord(
                    tenant_id=batch.tenant_id,
                    batch=batch,
                    system=system,
                    external_id=uuid.uuid4().hex[:12],
                    exported_at=now,
                    **{field: txn},
                )
            )
        open_now.update(state=LockState.EXPORTED, exported_at=now, updated_at=now)
    ExportRecord.objects.bulk_create(exports)
    batch.state = LockState.EXPORTED
    batch.exported_at = now
    batch.save(update_fields=["state", "exported_at", "updated_at"])
    record_entry(
        tenant=batch.tenant,
        action=AuditAction.RECORD_EXPORTED,
        actor=actor,
        target=batch,
        state_before=LockState.OPEN,
        state_after=LockState.EXPORTED,
        data={"system": system, "transactions": len(exports)},
    )
    return batch


@transaction.atomic
def bypass_batch(*, batch, actor=SYSTEM) -> Batch:
    """Handle an open batch outside the export: it and its open transactions become bypassed."""
    batch = _lock(batch)
    now = timezone.now()
    if (state := batch.state_at(now)) != LockState.OPEN:
        raise Refusal(
            "batch_not_open",
            f"Batch {batch.number} is {state}; only an open batch can be bypassed.",
        )
    for model in (Invoice, Payment):
        model.objects.reading([LockState.OPEN], now).filter(batch=batch).update(
            state=LockState.BYPASSED, updated_at=now
        )
    batch.state = LockState.BYPASSED
    batch.save(update_fields=["state", "updated_at"])
    record_entry(
        tenant=batch.tenant,
        action=AuditAction.RECORD_BYPASSED,
        actor=actor,
        target=batch,
        state_before=LockState.OPEN,
        state_after=LockState.BYPASSED,
    )
    return batch


@transaction.atomic
def bypass_transaction(*, record, actor=SYSTEM):
    """Bypass one invoice or payment, open or exported: the route past an exported batch."""
    if record.batch_id:
        Batch.objects.select_for_update(no_key=True).filter(pk=record.batch_id).first()
    record = _lock(record)
    if record.state_now not in (LockState.OPEN, LockState.EXPORTED):
        raise Refusal(
            "cannot_bypass",
            f"{record.number} is {record.state_now}; only open or exported transactions can "
            "be bypassed.",
        )
    before = record.state
    record.state = LockState.BYPASSED
    record.save(update_fields=["state", "updated_at"])
    record_entry(
        tenant=record.tenant,
        action=AuditAction.RECORD_BYPASSED,
        actor=actor,
        target=record,
        state_before=before,
        state_after=LockState.BYPASSED,
    )
    return record


@transaction.atomic
def move_to_batch(*, record, batch):
    """Put a transaction into another batch (the platform re-batches transactions)."""
    record = _lock(record)
    record.batch = batch
    record.save(update_fields=["batch", "updated_at"])
    return record
