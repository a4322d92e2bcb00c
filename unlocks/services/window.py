"""The unlock's window (SPEC rule 11): its end, by itself or early, and the reminder before.

When a window ends, each record the approval opened that is still open goes back to the
state it had before; one exported meanwhile stays exported and is noted."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entries
from books import lookup
from unlocks import inputs, rules
from unlocks.in_the_books import window_statement
from unlocks.models import Batch, Invoice, LockState, Payment, RecordType, UnlockRequest
from unlocks.selectors import request_with_targets
from unlocks.services.shared import announce, lock_request, refuse

# Why a window's end re-locked, in its audit entry and on the request.
WINDOW_ENDED = "The unlock window ended."

# The order records are locked in (unlocks.services: 3).
RELOCK_ORDER = (
    (Batch, RecordType.BATCH),
    (Invoice, RecordType.INVOICE),
    (Payment, RecordType.PAYMENT),
)


def relock_request(*, request_id, reason: str, actor: Actor) -> UnlockRequest:
    """End an approved request's unlock now, before its window does, with the reason why."""
    reason = inputs.reason(reason, "a reason for re-locking")
    books = _books_at_the_end(request_id)
    with transaction.atomic():
        request = lock_request(request_id, with_tenant=True)
        now = timezone.now()
        if rules.window_due(request, now):
            # Its window ended before the job wrote it: end it as the job would, then say so.
            _window_ended(request, now, books)
        refusal = rules.relock_refused(request, now)
        if refusal is None:
            _relock(request, now=now, ended_at=now, actor=actor, reason=reason, books=books)
            return request
        refusal = refuse(
            request, refusal, actor, data={"reason": reason}, action=AuditAction.RELOCK_REFUSED
        )
    raise refusal


def end_windows(*, now=None, limit=500) -> int:
    """Re-lock what approved requests opened once their windows have ended, as the system;
    returns how many requests. One transaction per request, as for expiry."""
    now = now or timezone.now()

    def end(request, books):
        if not rules.window_due(request, now):
            return False  # re-locked early meanwhile
        _window_ended(request, now, books)
        return True

    qs = UnlockRequest.objects.not_relocked().filter(unlocked_until__lte=now)
    qs = qs.order_by("unlocked_until")
    return _each_due(qs, limit, end, ask_first=_books_at_the_end)


def remind_windows(*, now=None, limit=500) -> int:
    """Tell the tenant's admins of each unlock whose window is nearly over (a quarter
    left, at least an hour); returns how many requests. Each is told once."""
    now = now or timezone.now()

    def remind(request, _):
        if request.reminded_at is not None or not rules.window_running(request, now):
            return False
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        announce("window_ending", request)
        return True

    qs = UnlockRequest.objects.filter(
        reminded_at__isnull=True, relocked_at__isnull=True, remind_at__lte=now
    ).order_by("remind_at")
    return _each_due(qs, limit, remind)


def _each_due(qs, limit, act, ask_first=None):
    """Run `act(request, asked)` on each request of `qs` in a durable transaction of its
    own, its row and its tenant's locked (the lock order), skipped when another is acting
    on either (the next run takes it); returns how many `act` took. `ask_first(id)` is
    asked before the transaction (what the books say), so that no lock waits for it."""
    due = list(qs.values_list("pk", flat=True)[:limit])
    done = 0
    for request_id in due:
        asked = ask_first(request_id) if ask_first else None
        with transaction.atomic(durable=True):
            request = (
                UnlockRequest.objects.select_for_update(no_key=True, skip_locked=True)
                .select_related("tenant")
                .filter(pk=request_id)
                .first()
            )
            if request is not None and act(request, asked):
                done += 1
    return done


def _books_at_the_end(request_id):
    """The window's end statement of the customer's books (`in_the_books`), asked before
    any lock is taken; None where no books are set up, connected, or it is not approved."""
    if not lookup.configured():
        return None
    request = request_with_targets(request_id)
    if request is None or request.approved_at is None:
        return None
    return window_statement(request)


def _window_ended(request, now, books):
    """Re-lock as the system, dated at the window's end (what the pages read already)."""
    _relock(
        request,
        now=now,
        ended_at=request.unlocked_until,
        actor=Actor.system(),
        reason=WINDOW_ENDED,
        books=books,
    )


def _relock(request, *, now, ended_at, actor, reason, books=None):
    """Put each record the request opened and is still open back to the state it had
    before; an exported one stays as it is and is noted. Bulk statements: the same
    queries for one record or a batch of 100,000."""
    outcome, batches, carried = _put_back(request, now)
    if books is not None:
        # What the customer's QuickBooks held of each record at the end (SPEC rule 14).
        outcome["books"] = books
    request.relocked_at = ended_at
    request.relocked_by = actor.label
    request.relock_reason = reason
    request.window_outcome = outcome
    request.save(update_fields=["relocked_at", "relocked_by", "relock_reason", "window_outcome"])
    announce("relocked", request)
    relocked = {
        "action": AuditAction.REQUEST_RELOCKED,
        "request": request,
        "data": {
            "reason": reason,
            "early": ended_at != request.unlocked_until,
            "relocked": len(outcome["relocked"]),
            "exported_in_window": [f"{r['type']} {r['number']}" for r in outcome["exported"]],
        }
        | ({"quickbooks": books} if books is not None else {}),
    }
    entries = [relocked, *_relocked_entries(request, outcome, batches, carried)]
    record_entries(tenant=request.tenant, actor=actor, entries=entries)


def _put_back(request, now):
    """Write each record the request opened and is still open back to its lock.

    Returns (the outcome the request keeps: {"exported": [...], "relocked": [...]},
    batch id -> (its number, {"invoices", "payments"} that went back with it), and
    (type, number, state, batch number) of each of those)."""
    outcome = {"exported": [], "relocked": []}
    batches = {}
    carried = []
    for model, record_type in RELOCK_ORDER:
        is_batch = record_type == RecordType.BATCH
        rows = list(
            model.objects.filter(unlocked_by=request)
            .select_for_update(no_key=True)
            .order_by("pk")
            .values_list("pk", "number", "state", "relock_state", "pk" if is_batch else "batch_id")
        )
        back = [row for row in rows if row[2] == LockState.OPEN and row[3]]
        if back:
            # Never `exported`: only rows still open are written, and their state goes back
            # to the one they had before the approval.
            model.objects.opened_by(request).update(
                state=F("relock_state"),
                relock_state="",
                unlocked_until=None,
                unlocked_by=None,
                updated_at=now,
            )
        for pk, number, _, relock_state, batch_id in back:
            outcome["relocked"].append(
                {"type": record_type.value, "number": number, "state": relock_state}
            )
            if is_batch:
                batches[pk] = (number, {"invoices": [], "payments": []})
            elif batch_id in batches:
                batches[batch_id][1][f"{record_type.value}s"].append(number)
                carried.append((record_type, number, relock_state, batches[batch_id][0]))
        outcome["exported"] += [
            {"type": record_type.value, "number": number}
            for _, number, state, _, _ in rows
            if state == LockState.EXPORTED
        ]
    return outcome, batches, carried


def _relocked_entries(request, outcome, batches, carried):
    """An entry for each record that went back, a batch's naming what went back with it;
    each transaction that went back with its batch has its own, named in the batch's."""
    in_batch = {(record_type.value, number) for record_type, number, _, _ in carried}
    by_number = {number: contents for number, contents in batches.values()}
    own = [
        {
            "action": AuditAction.RECORD_RELOCKED,
            "request": request,
            "target": (r["type"], r["number"]),
            "state_before": LockState.OPEN,
            "state_after": r["state"],
            "data": {"with": by_number[r["number"]]} if r["type"] == RecordType.BATCH else {},
        }
        for r in outcome["relocked"]
        if (r["type"], r["number"]) not in in_batch
    ]
    with_batch = [
        {
            "action": AuditAction.RECORD_RELOCKED,
            "request": request,
            "target": (record_type, number),
            "state_before": LockState.OPEN,
            "state_after": relock_state,
            "data": {"with_batch": batch_number},
        }
        for record_type, number, relock_state, batch_number in carried
    ]
    return own + with_batch
