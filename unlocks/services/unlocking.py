"""What an approval writes once every guard passed (SPEC rules 8, 10, 11): the targets, and
a bypassed batch's bypassed transactions, open for the request's window, with bulk
statements; the request completed; an audit entry for the approval and each record."""

from audit.models import AuditAction
from audit.services import record_entries, record_entry, sign_after_commit
from unlocks import money, rules
from unlocks.in_the_books import as_shown
from unlocks.models import (
    Batch,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    state_as_of,
)
from unlocks.services.shared import announce

TRANSACTIONS = (
    (Invoice, "invoices", RecordType.INVOICE),
    (Payment, "payments", RecordType.PAYMENT),
)


def unlock(request, targets, approver, consent, now, actor, approved_with, booked):
    """Open the targets judged (and locked) by the approval, for the request's window: the
    clock starts now. The same statements for one record or a batch of 100,000."""
    request.unlocked_until = rules.window_end(now, request.window_hours)
    request.remind_at = rules.remind_at(now, request.window_hours)
    carried, reopened, figures = _open_targets(request, targets, now)
    _complete(request, approver, consent, now, approved_with)
    at_stake = _reopened_total(targets, reopened, request.tenant.currency)
    approved = {
        "action": AuditAction.REQUEST_APPROVED,
        "request": request,
        "state_before": RequestStatus.PENDING,
        "state_after": RequestStatus.COMPLETED,
        "consent_version": consent.version,
        "consent_sha256": consent.sha256,
        "data": {
            "approver": approver.email,
            # Who approved, proven with what: ["pin"], ["pin", "totp"] or ["pin", "passkey"].
            "approved_with": approved_with,
            # The total at stake: what the approval reopened of the tenant's books.
            "transactions": at_stake.transactions,
            "total": str(at_stake.decimal),
            "currency": at_stake.currency,
            "window_hours": request.window_hours,
            "unlocked_until": request.unlocked_until.isoformat(),
            # Every admin who approved it, oldest first: this approver last (rule 13).
            "approvals": [a.approver.email for a in request.approvals_in_order],
            # What the approver was shown of the customer's books (SPEC rule 14).
            **as_shown(booked, targets),
        },
    }
    # One write to the chain for the approval and every record it opened. The receipt
    # names the approval's entry (its seq and hash), so it is written after it, while
    # the chain head is still held.
    entries = [approved, *_unlocked_entries(request, targets, carried, reopened, figures)]
    record_entries(tenant=request.tenant, actor=actor, entries=entries)
    request.booked = booked
    announce("completed", request)
    # A signed checkpoint covering the approval, as soon as it commits (its evidence
    # bundle is "not yet covered" until one does).
    sign_after_commit(tenant=request.tenant)


def _open(records, request, now):
    """Open `records` for the request's window, remembering the state each goes back to:
    the state it reads as now (an ended window's record keeps the lock it had)."""
    records.update(
        state=LockState.OPEN,
        updated_at=now,
        relock_state=state_as_of(now),
        unlocked_until=request.unlocked_until,
        unlocked_by=request,
    )


def _open_targets(request, targets, now):
    """Open every target, and each bypassed batch's transactions that read bypassed now.

    Returns (batch id -> {"invoices", "payments"} numbers opened with it, batch id ->
    [how many, their cents], (type, number) -> their customer and cents). Never
    `exported`: the rules refused it on these locked rows, and no statement here opens it
    either."""
    ids = {t: [v.record.pk for v in targets if v.type == t] for t in RecordType.values}
    batch_ids = ids[RecordType.BATCH]
    carried = {batch_id: {"invoices": [], "payments": []} for batch_id in batch_ids}
    reopened = {batch_id: [0, 0] for batch_id in batch_ids}
    figures = {}
    for model, key, record_type in TRANSACTIONS:
        if batch_ids:
            bypassed = model.objects.reading([LockState.BYPASSED], now)
            _open(bypassed.filter(batch_id__in=batch_ids), request, now)
            # Read back by the mark the statement left: what it opened, and nothing else.
            for batch_id, number, cents, customer in (
                model.objects.filter(unlocked_by=request, batch_id__in=batch_ids)
                .order_by("number")
                .values_list("batch_id", "number", "amount_cents", "customer")
            ):
                carried[batch_id][key].append(number)
                figures[(record_type, number)] = {"customer": customer, "amount_cents": cents}
                reopened[batch_id][0] += 1
                reopened[batch_id][1] += cents
        # A transaction its batch's statement opened reads open now, and is left alone.
        if ids[record_type]:
            unlockable = model.objects.reading(rules.UNLOCKABLE, now)
            _open(unlockable.filter(pk__in=ids[record_type]), request, now)
    if batch_ids:
        bypassed = Batch.objects.reading([LockState.BYPASSED], now)
        _open(bypassed.filter(pk__in=batch_ids), request, now)
    return carried, reopened, figures


def _complete(request, approver, consent, now, approved_with):
    request.status = RequestStatus.COMPLETED
    request.approved_by = approver
    request.approved_at = now
    request.approved_with = approved_with
    request.completed_at = now
    request.closed_at = now
    request.consent_version = consent.version
    request.consent_sha256 = consent.sha256
    request.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "approved_with",
            "completed_at",
            "closed_at",
            "consent_version",
            "consent_sha256",
            "window_hours",
            "unlocked_until",
            "remind_at",
        ]
    )


def _reopened_total(targets, reopened, currency):
    """The total at stake, counted from the rows the approval opened. A named transaction
    its batch's statement opened is in the batch's figures; the rules let only locked ones
    this far, so every other one was opened by its own statement."""
    transactions = sum(count for count, _ in reopened.values())
    cents = sum(amount for _, amount in reopened.values())
    for v in targets:
        if v.is_batch:
            continue
        if v.record.batch_id not in reopened or v.state != LockState.BYPASSED:
            transactions += 1
            cents += v.record.amount_cents
    return money.Total(transactions=transactions, cents=cents, currency=currency)


def _unlocked_entries(request, targets, carried, reopened, figures):
    """An entry for each target opened, a batch's naming what opened with it, and one for
    each transaction that opened with its batch, so the trail's record search finds it
    (SPEC: "each record unlocked"). Each holds what people confirm the record by (a
    transaction's customer and amount, a batch's count and total reopened), so an evidence
    bundle's figures are the ones the chain and its checkpoint vouch for."""
    own = [
        {
            "action": AuditAction.RECORD_UNLOCKED,
            "request": request,
            "target": v.record,
            "state_before": v.state,
            "state_after": LockState.OPEN,
            "data": _figures_of(v, carried, reopened),
        }
        for v in targets
    ]
    with_batch = [
        {
            "action": AuditAction.RECORD_UNLOCKED,
            "request": request,
            "target": (record_type, number),
            "state_before": LockState.BYPASSED,
            "state_after": LockState.OPEN,
            "data": {"with_batch": v.number, **figures[(record_type, number)]},
        }
        for v in targets
        if v.is_batch
        for _, key, record_type in TRANSACTIONS
        for number in carried[v.record.pk][key]
    ]
    return own + with_batch


def _figures_of(view, carried, reopened):
    if view.is_batch:
        count, cents = reopened[view.record.pk]
        return {"with": carried[view.record.pk], "transactions": count, "total_cents": cents}
    return {"customer": view.record.customer, "amount_cents": view.record.amount_cents}


def keep_passkey_signature(request, signed, approver, actor):
    """The approver's passkey assertion over the consent statement (with the credential's
    public key and whose it is), kept as an entry of their approval (the first of two, or
    the one that unlocks): the chain and its next checkpoint vouch
    for it, and the evidence bundle carries it."""
    if not isinstance(signed, dict):
        return  # a check that only said yes: nothing to keep
    record_entry(
        tenant=request.tenant,
        actor=actor,
        action=AuditAction.CONSENT_SIGNED,
        request=request,
        consent_version=request.consent_version,
        consent_sha256=request.consent_sha256,
        data={**signed, "approver": approver.email},
    )
