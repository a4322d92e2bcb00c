"""Every state change of an unlock request: the one guarded door (SPEC.md, STYLE.md).

The API, the PIN page and the admin call these functions and nothing else changes
an unlock's state. A refusal is raised as `Refusal`; refusals that must leave a
trace (wrong PINs, lock-outs, a request refused at approval) are committed first.
Each function reads (and locks), asks `unlocks.rules`, then writes.

Row locks, always taken in this order within a transaction:
1. the unlock request (SELECT ... FOR NO KEY UPDATE);
2. the tenant, by an approval only, in the same statement as its request, FOR NO KEY
   UPDATE: held across the PIN check (it counts concurrent guesses one by one), it does
   not block the foreign-key checks (FOR KEY SHARE) of the tenant's other changes;
   2a. the approver's authenticator device, where the approval checks its code (FOR NO
   KEY UPDATE; django-otp records the code used and the failures on it);
3. the target records, batches then invoices then payments, each type by id, FOR NO
   KEY UPDATE (the targets of an open naming them check their keys at commit);
4. the tenant's audit chain head (audit.services), last: the change writes its outbox
   rows first, so the head is held only for the insert of the entries and the commit
   (an approval's receipt, which names its entry, is written after it).
A bypassed batch's own transactions are locked by the UPDATE that opens them, after
the targets: safe, because the tenant's row, locked first, serialises approvals.
Ending an unlock (its window's end, or an early re-lock) takes the same order: its
request and the tenant (1, 2, in one statement), every record it opened (3: batches,
invoices, payments, each by id), then the chain head (4). The tenant's row serialises it
with the tenant's approvals, whose batch transactions are locked outside that order;
whichever comes second reads the records as the first left them (a re-lock finds by
`unlocked_by` only what is still its own).
Holding the tenant's row across the PIN check is deliberate: it counts one tenant's
concurrent guesses one by one; no other tenant's change, and no open or cancel of this
tenant (they take FOR KEY SHARE at most), waits for it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Case, F, Q, When, prefetch_related_objects
from django.utils import timezone

from accounts import factors
from accounts.pins import pin_matches
from accounts.selectors import caller_and_admins, membership_by_email
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entries, record_entry
from core.refusals import Refusal
from core.text import storable
from unlocks import events, money, rules
from unlocks.consent import current_consent
from unlocks.models import (
    REASON_MAX_LENGTH,
    Batch,
    Channel,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    UnlockRequest,
    UnlockTarget,
    total_at_stake,
    window_ended,
)
from unlocks.selectors import (
    batch_members,
    batch_totals,
    find_records,
    find_records_named,
    gather_facts,
    locked_request,
    record_by_number,
    targets_with_money,
)


@dataclass
class Preview:
    ok: bool
    targets: list = field(default_factory=list)
    refusals: list = field(default_factory=list)
    # What opening and approving it would reopen, of the records found (preview_request).
    total: money.Total | None = None


def _audited(refusal):
    """Mark a refusal whose attempt is in the audit trail, so a front end can say so."""
    refusal.audited = True
    return refusal


# ---------------------------------------------------------------- input checks


def _invalid(field_name, message):
    return Refusal(
        "invalid",
        f"The request is not valid: {message}",
        {field_name: message},
    )


def _target_specs(targets):
    if not isinstance(targets, (list, tuple)) or not targets:
        raise _invalid("targets", "Name at least one record to unlock.")
    if len(targets) > settings.UNLOCK_MAX_TARGETS:
        raise _invalid(
            "targets",
            f"At most {settings.UNLOCK_MAX_TARGETS} records fit in one request; split it.",
        )
    specs = []
    for item in targets:
        record_type = item.get("type") if isinstance(item, dict) else None
        number = item.get("number") if isinstance(item, dict) else None
        if record_type not in RecordType.values:
            raise _invalid("targets", "Each target's type must be batch, invoice or payment.")
        if not isinstance(number, str) or not number.strip() or len(number) > 64:
            raise _invalid("targets", "Each target needs a record number of 1 to 64 characters.")
        if not storable(number):
            raise _invalid(
                "targets", "A record number holds a NUL byte or broken UTF-8; type it again."
            )
        spec = (RecordType(record_type), number.strip())
        if spec in specs:
            raise _invalid("targets", f"{record_type} {number} is named twice; name it once.")
        specs.append(spec)
    return specs


def _required_text(field_name, value, max_length, what):
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field_name, f"Give {what}.")
    if len(value) > max_length:
        raise _invalid(field_name, f"{what.capitalize()} is longer than {max_length} characters.")
    if not storable(value):
        raise _invalid(
            field_name, f"{what.capitalize()} holds a NUL byte or broken UTF-8; type it again."
        )
    return value.strip()


def _judge(tenant, specs, *, lock=False):
    records, missing = find_records(tenant=tenant, specs=specs, lock=lock)
    return _judged(tenant, records, missing)


def _judge_named(tenant_slug, specs):
    """_judge for a tenant named by slug: (the tenant, views, refusals), the tenant read
    with the records (or refused as unknown_tenant)."""
    tenant, records, missing = find_records_named(tenant_slug=tenant_slug, specs=specs)
    return (tenant, *_judged(tenant, records, missing))


def _judged(tenant, records, missing):
    facts = gather_facts(records)
    # As the records read now: one whose unlock's window has ended is locked again.
    refusals = [rules.unknown_record(t, n, tenant) for t, n in missing]
    views = []
    for record in records:
        refusals.extend(rules.refusals_for(record, facts))
        is_batch = record.record_type == RecordType.BATCH
        views.append(
            {
                "type": record.record_type,
                "number": record.number,
                "state": rules.state_of(record, facts),
                "warnings": rules.warnings_for(record, facts),
                "record": record,
                # What people confirm it by; a batch's figures only where a preview reads them.
                "currency": tenant.currency,
                "customer": None if is_batch else record.customer,
                "amount_cents": None if is_batch else record.amount_cents,
                "date": None if is_batch else record.date,
                "transaction_count": None,
                "total_cents": None,
            }
        )
    return views, refusals


def _with_batch_totals(views, currency):
    """Fill in the batches' counts and totals (one query); the total the views put at stake."""
    totals = batch_totals([v["record"].pk for v in views if v["type"] == RecordType.BATCH])
    named = []
    for view in views:
        if view["type"] == RecordType.BATCH:
            view["transaction_count"], view["total_cents"] = totals[view["record"].pk]
            named.append((view["record"], view["transaction_count"], view["total_cents"]))
        else:
            named.append((view["record"], 1, view["amount_cents"]))
    return total_at_stake(named, currency)


# ---------------------------------------------------------------- open


def preview_request(*, tenant: str, targets: list) -> Preview:
    """Judge the targets of a would-be request; creates and records nothing."""
    specs = _target_specs(targets)
    tenant_obj, views, refusals = _judge_named(tenant, specs)
    total = _with_batch_totals(views, tenant_obj.currency)
    return Preview(ok=not refusals, targets=views, refusals=refusals, total=total)


@dataclass
class Lookup:
    """A record as a lookup shows it: with its batch, export history and requests, its
    batch's members, and what an unlock of it would answer now."""

    record: object
    batch: object
    members: list
    preview: Preview
    pending: list
    past: list


def look_up(found) -> Lookup:
    """What the agent's lookup and the tenant's "was this exported?" both show of a record
    found by number (`selectors.records_numbered`); creates and records nothing."""
    tenant = found.tenant
    record = record_by_number(tenant=tenant, record_type=found.record_type, number=found.number)
    record.tenant = tenant
    preview = preview_request(
        tenant=tenant.slug, targets=[{"type": record.record_type, "number": record.number}]
    )
    batch = record if record.record_type == RecordType.BATCH else record.batch
    return Lookup(
        record=record,
        batch=batch,
        members=batch_members(batch) if batch is not None else [],
        preview=preview,
        pending=[r for r in record.requests if r.status_now == RequestStatus.PENDING],
        past=[r for r in record.requests if r.status_now != RequestStatus.PENDING],
    )


def preview_pending(request: UnlockRequest) -> Preview:
    """Judge a request's targets as they are now, without locking: what approving would do."""
    specs = [(t.record_type, t.number) for t in request.targets.all()]
    views, refusals = _judge(request.tenant, specs)
    return Preview(ok=not refusals, targets=views, refusals=refusals)


def open_request(
    *,
    tenant: str,
    targets: list,
    caller_name: str,
    caller_email: str,
    channel: str,
    reason: str,
    ticket: str = "",
    window_hours: int | None = None,
    actor: Actor,
) -> UnlockRequest:
    """Open a pending request, or refuse (and audit the attempt) if a target breaks a rule.

    `window_hours`: how long approving unlocks for (UNLOCK_WINDOW_HOURS if None)."""
    specs = _target_specs(targets)
    if window_hours is None:
        window_hours = settings.UNLOCK_WINDOW_HOURS
    if refusal := rules.window_hours_invalid(window_hours):
        raise refusal
    caller_name = _required_text("caller", caller_name, 200, "the caller's name")
    caller_email = _required_text("caller", caller_email, 254, "the caller's email").lower()
    try:
        EmailValidator()(caller_email)
    except ValidationError:
        raise _invalid("caller", "The caller's email is not an email address.") from None
    if channel not in Channel.values:
        raise _invalid("channel", "The channel must be phone, email, chat or api.")
    reason = _required_text("reason", reason, REASON_MAX_LENGTH, "a reason")
    if ticket is None:
        ticket = ""
    if not isinstance(ticket, str) or not storable(ticket):
        raise _invalid("ticket", "The ticket id must be plain text, such as ZD-5521.")
    ticket = ticket.strip()
    if len(ticket) > 100:
        raise _invalid("ticket", "The ticket id is longer than 100 characters.")
    tenant_obj, views, refusals = _judge_named(tenant, specs)
    if refusals:
        first = refusals[0]
        if len(refusals) > 1:
            first.details["other_refusals"] = [r.as_dict() for r in refusals[1:]]
        with transaction.atomic():
            record_entry(
                tenant=tenant_obj,
                action=AuditAction.OPEN_REFUSED,
                actor=actor,
                code=first.code,
                data={
                    "targets": [{"type": t, "number": n} for t, n in specs],
                    "codes": [r.code for r in refusals],
                    "caller_email": caller_email,
                    "channel": channel,
                },
            )
        raise _audited(first)

    with transaction.atomic():
        membership, admins = caller_and_admins(tenant=tenant_obj, email=caller_email)
        now = timezone.now()
        request = UnlockRequest.objects.create(
            tenant=tenant_obj,
            caller_name=caller_name,
            caller_email=caller_email,
            caller_user=membership.user if membership else None,
            caller_is_tenant_admin=rules.is_tenant_admin(membership),
            channel=channel,
            reason=reason,
            ticket=ticket,
            opened_by=actor.label,
            expires_at=rules.expires_at(now),
            window_hours=window_hours,
        )
        UnlockTarget.objects.bulk_create(
            [
                UnlockTarget(
                    request=request,
                    record_type=v["type"],
                    number=v["number"],
                    state_at_open=v["state"],
                    warnings=v["warnings"],
                    **{v["type"]: v["record"]},
                )
                for v in views
            ]
        )
        # The event's emails and webhooks, and the caller's answer, read the targets: once.
        prefetch_related_objects([request], targets_with_money())
        _announce("created", request, admins=admins)
        # The audit entry last: it locks the tenant's chain head, which every change of the
        # tenant waits for, so the lock is held only for its insert and the commit.
        record_entry(
            tenant=tenant_obj,
            action=AuditAction.REQUEST_OPENED,
            actor=actor,
            request=request,
            data={
                "targets": [
                    {
                        "type": v["type"],
                        "number": v["number"],
                        "state": v["state"],
                        "warnings": v["warnings"],
                    }
                    for v in views
                ],
                "caller_email": caller_email,
                "channel": channel,
                "ticket": ticket,
                "window_hours": window_hours,
            },
        )
    return request


# ---------------------------------------------------------------- verify


def verify_and_unlock(
    *,
    request_id,
    approver_email: str,
    pin: str,
    consent_version,
    consent_accepted: bool,
    duplicate_risk_acknowledged: bool = False,
    window_hours: int | None = None,
    admin_code: str | None = None,
    passkey=None,
    actor: Actor,
) -> UnlockRequest:
    """Approve with an admin's PIN and consent, and unlock the targets in the same transaction.

    Guards run in API.md's order; the first that fails answers. `window_hours` may shorten
    the window the request named (None keeps it). `admin_code`: the approver's
    authenticator code; `passkey`: a callable that checks the approver's passkey assertion
    (the PIN page's), returning whether it passed. Either is asked for right after the PIN
    where the tenant requires a second factor or the approver holds one.
    """
    if window_hours is not None and (refusal := rules.window_hours_invalid(window_hours)):
        raise refusal
    with transaction.atomic():
        outcome = _verify_locked(
            request_id=request_id,
            approver_email=approver_email,
            pin=pin,
            consent_version=consent_version,
            consent_accepted=consent_accepted,
            duplicate_risk_acknowledged=duplicate_risk_acknowledged,
            window_hours=window_hours,
            admin_code=admin_code,
            passkey=passkey,
            actor=actor,
        )
    if isinstance(outcome, Refusal):
        raise outcome
    return outcome


def _lock_request(request_id, *, with_tenant=False):
    try:
        return locked_request(request_id, with_tenant=with_tenant)
    except UnlockRequest.DoesNotExist:
        raise rules.no_such_request(request_id) from None


def _not_pending(request):
    return Refusal(
        "request_not_pending",
        f"This request is {request.status} and can no longer change. Open a new request "
        "if the records still need unlocking.",
        {"status": request.status},
    )


def _expire_if_due(request, now):
    """Expire a pending request whose time is up; True if it did."""
    if request.is_overdue_at(now):
        _close(
            request,
            RequestStatus.EXPIRED,
            now,
            actor=Actor.system(),
            reason="Not approved in time.",
        )
        return True
    return False


def _refuse(request, refusal, actor, data=None, action=AuditAction.VERIFY_REFUSED):
    """Audit a refusal of a step on `request`; returns it, to raise once committed."""
    record_entry(
        tenant=request.tenant,
        action=action,
        actor=actor,
        request=request,
        code=refusal.code,
        data=data,
    )
    return _audited(refusal)


def _verify_locked(
    *,
    request_id,
    approver_email,
    pin,
    consent_version,
    consent_accepted,
    duplicate_risk_acknowledged,
    window_hours,
    admin_code,
    passkey,
    actor,
):
    # The tenant's row is locked with the request's: it serialises PIN checks, so
    # concurrent guesses count one by one.
    request = _lock_request(request_id, with_tenant=True)
    tenant = request.tenant
    now = timezone.now()
    _expire_if_due(request, now)
    if request.status != RequestStatus.PENDING:
        return _refuse(request, _not_pending(request), actor)
    # A malformed ask, not a guard: refused before anything is counted or recorded.
    if window_hours is not None and (refusal := rules.window_not_shorter(window_hours, request)):
        return refusal

    if not isinstance(approver_email, str) or not storable(approver_email):
        # Not an email anyone could hold; refused like any non-admin, and safe to audit.
        approver_email = ""
    membership = membership_by_email(tenant=tenant, email=approver_email)
    if refusal := rules.not_tenant_admin(tenant, approver_email, membership):
        return _refuse(request, refusal, actor, data={"admin_email": approver_email})
    approver = membership.user

    if refusal := rules.pin_locked(tenant, now) or rules.pin_not_set(tenant):
        return _refuse(request, refusal, actor)
    if not pin_matches(tenant.pin_hash, pin if isinstance(pin, str) else ""):
        return _wrong_pin(request, tenant, approver, now, actor)

    # The approver's own second factor, right after the PIN (SPEC rule 12).
    held = factors.kinds_of(approver)
    code = factors.normalised(admin_code)
    if refusal := rules.second_factor_missing(
        tenant=tenant,
        approver=approver,
        approver_factors=held,
        code_given=bool(code),
        passkey_given=passkey is not None,
    ):
        return _refuse(request, refusal, actor, data={"approver": approver.email})
    approved_with = ["pin"]
    if passkey is not None and factors.PASSKEY in held:
        if not passkey(approver):
            return _wrong_pin(request, tenant, approver, now, actor, factor=factors.PASSKEY)
        approved_with.append(factors.PASSKEY)
    elif code and factors.TOTP in held:
        if factors.matching_totp(approver, code, lock=True) is None:
            return _wrong_pin(request, tenant, approver, now, actor, factor=factors.TOTP)
        approved_with.append(factors.TOTP)
    if tenant.pin_failure_times:
        tenant.pin_failure_times = []
        tenant.save(update_fields=["pin_failure_times"])

    consent = current_consent()
    if refusal := rules.consent_not_given(
        accepted=consent_accepted, version=consent_version, consent=consent
    ):
        return _refuse(request, refusal, actor)

    # Every rule again, on the locked rows: a record that changed since opening is judged
    # as it is now, and so is its duplicate risk.
    specs = [(t.record_type, t.number) for t in request.targets.all()]
    views, refusals = _judge(tenant, specs, lock=True)
    if refusal := rules.duplicate_risk_not_acknowledged(views, duplicate_risk_acknowledged):
        return _refuse(request, refusal, actor)
    if refusals:
        first = refusals[0]
        request.status = RequestStatus.REFUSED
        request.refusal_code = first.code
        request.closed_at = now
        request.save(update_fields=["status", "refusal_code", "closed_at"])
        _announce("refused", request)
        record_entry(
            tenant=tenant,
            action=AuditAction.REQUEST_REFUSED,
            actor=actor,
            request=request,
            code=first.code,
            state_before=RequestStatus.PENDING,
            state_after=RequestStatus.REFUSED,
            data={"codes": [r.code for r in refusals]},
        )
        return _audited(first)

    if window_hours is not None:
        request.window_hours = window_hours
    _unlock(request, views, approver, consent, now, actor, approved_with)
    return request


def _wrong_pin(request, tenant, approver, now, actor, factor=None):
    """A wrong PIN, or (`factor`) a wrong second factor after the right PIN: both count in
    the tenant's one window of wrong tries, and lock PIN verification alike."""
    judged = rules.wrong_pin(tenant.pin_failure_times, now)
    code = "pin_incorrect" if factor is None else "second_factor_incorrect"
    wrong = {
        "action": AuditAction.PIN_INCORRECT
        if factor is None
        else AuditAction.SECOND_FACTOR_INCORRECT,
        "request": request,
        "code": code,
        "data": {"approver": approver.email, "attempts_left": judged.attempts_left}
        | ({} if factor is None else {"factor": factor}),
    }
    if judged.locked_until is None:
        tenant.pin_failure_times = judged.failures
        tenant.save(update_fields=["pin_failure_times"])
        record_entry(tenant=tenant, actor=actor, **wrong)
        if factor is not None:
            return _audited(rules.second_factor_incorrect(judged.attempts_left, factor))
        return _audited(rules.pin_incorrect(judged.attempts_left))
    tenant.pin_locked_until = judged.locked_until
    tenant.pin_failure_times = []
    tenant.save(update_fields=["pin_locked_until", "pin_failure_times"])
    _announce("pin_locked", request)
    locked = {
        "action": AuditAction.PIN_LOCKED,
        "request": request,
        "code": "pin_locked",
        "data": {"locked_until": tenant.pin_locked_until.isoformat()},
    }
    record_entries(tenant=tenant, actor=actor, entries=[wrong, locked])
    return _audited(rules.pin_locked(tenant, now))


def _open_bypassed_in(model, batch_ids, request, now):
    """Open the bypassed transactions of the batches, for the request's window; returns
    their (batch id, number, amount in cents).

    One UPDATE ... RETURNING: a batch of 100,000 transactions is read and written in a
    single pass, where a SELECT and then an UPDATE would walk it twice. A transaction
    still open by an unlock whose window has ended reads bypassed, and opens again too:
    the rows `_reopenable` names, written as `_opened_for` writes them (the ORM has no
    UPDATE ... RETURNING, so this one statement is SQL).
    """
    table = model._meta.db_table
    marks = ", ".join(["%s"] * len(batch_ids))
    at = connection.ops.adapt_datetimefield_value
    by = model._meta.get_field("unlocked_by").get_db_prep_value(request.pk, connection)
    opened, bypassed = LockState.OPEN.value, LockState.BYPASSED.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, updated_at = %s, "  # noqa: S608
            "relock_state = CASE WHEN state = %s THEN relock_state ELSE state END, "
            "unlocked_until = %s, unlocked_by_id = %s "
            f"WHERE batch_id IN ({marks}) AND (state = %s OR (state = %s "
            "AND relock_state = %s AND unlocked_until <= %s)) "
            "RETURNING batch_id, number, amount_cents",
            [
                opened,
                at(now),
                opened,
                at(request.unlocked_until),
                by,
                *batch_ids,
                bypassed,
                opened,
                bypassed,
                at(now),
            ],
        )
        return cursor.fetchall()


def _reopenable(states, now):
    """Rows an approval may open: locked in one of `states`, or open by an unlock whose
    window has ended (they read as the state they go back to)."""
    return Q(state__in=states) | (window_ended(now) & Q(relock_state__in=states))


def _opened_for(request, now):
    """What an approval writes on each record it opens: open, for the request's window,
    remembering the state it goes back to (kept from an ended window's)."""
    return {
        "state": LockState.OPEN,
        "updated_at": now,
        "relock_state": Case(
            When(state=LockState.OPEN, then=F("relock_state")), default=F("state")
        ),
        "unlocked_until": request.unlocked_until,
        "unlocked_by": request,
    }


def _unlock(request, views, approver, consent, now, actor, approved_with):
    """Open the targets (and a bypassed batch's bypassed transactions) with bulk updates,
    for the request's window: the clock starts now."""
    request.unlocked_until = rules.window_end(now, request.window_hours)
    request.remind_at = rules.remind_at(now, request.window_hours)
    ids = {t: [v["record"].pk for v in views if v["type"] == t] for t in RecordType.values}
    batch_ids = ids[RecordType.BATCH]
    with_batch = {batch_id: {"invoices": [], "payments": []} for batch_id in batch_ids}
    # What the approval reopens, counted from the rows it opens: the audit's total at stake.
    reopened = {batch_id: [0, 0] for batch_id in batch_ids}
    for model, key, record_type in (
        (Invoice, "invoices", RecordType.INVOICE),
        (Payment, "payments", RecordType.PAYMENT),
    ):
        if batch_ids:
            for batch_id, number, amount_cents in _open_bypassed_in(model, batch_ids, request, now):
                with_batch[batch_id][key].append(number)
                reopened[batch_id][0] += 1
                reopened[batch_id][1] += amount_cents
        # Never `exported`: the rules refused it on these locked rows, and the statement
        # itself would not open it either. No targets of the type, no statement.
        if ids[record_type]:
            model.objects.filter(
                _reopenable(rules.UNLOCKABLE, now), pk__in=ids[record_type]
            ).update(**_opened_for(request, now))
    for contents in with_batch.values():
        contents["invoices"].sort()
        contents["payments"].sort()
    if batch_ids:
        Batch.objects.filter(_reopenable([LockState.BYPASSED], now), pk__in=batch_ids).update(
            **_opened_for(request, now)
        )

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
    # The total at stake, counted from the rows the approval opened. A named transaction its
    # batch's statement opened is in the batch's figures; the rules let only locked ones this
    # far, so every other one was opened by its own statement.
    transactions = sum(count for count, _ in reopened.values())
    cents = sum(amount for _, amount in reopened.values())
    for v in views:
        record = v["record"]
        if v["type"] == RecordType.BATCH:
            continue
        if record.batch_id not in reopened or v["state"] != LockState.BYPASSED:
            transactions += 1
            cents += record.amount_cents
    at_stake = money.Total(transactions=transactions, cents=cents, currency=request.tenant.currency)
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
        },
    }
    unlocked = [
        {
            "action": AuditAction.RECORD_UNLOCKED,
            "request": request,
            "target": v["record"],
            "state_before": v["state"],
            "state_after": LockState.OPEN,
            "data": {"with": with_batch[v["record"].pk]} if v["type"] == RecordType.BATCH else {},
        }
        for v in views
    ]
    # Each transaction that opened with its batch has an entry of its own too, so the
    # trail's record search finds it (SPEC: "each record unlocked").
    carried = [
        {
            "action": AuditAction.RECORD_UNLOCKED,
            "request": request,
            "target": (record_type, number),
            "state_before": LockState.BYPASSED,
            "state_after": LockState.OPEN,
            "data": {"with_batch": v["number"]},
        }
        for v in views
        if v["type"] == RecordType.BATCH
        for key, record_type in (("invoices", RecordType.INVOICE), ("payments", RecordType.PAYMENT))
        for number in with_batch[v["record"].pk][key]
    ]
    # One write to the chain for the approval and every record it opened. The receipt
    # names the approval's entry (its seq and hash), so it is written after it, while
    # the chain head is still held.
    record_entries(tenant=request.tenant, actor=actor, entries=[approved, *unlocked, *carried])
    _announce("completed", request)


# ---------------------------------------------------------------- cancel, expire


def _close(request, status, now, *, actor, reason=""):
    request.status = status
    request.closed_at = now
    request.close_reason = reason
    request.save(update_fields=["status", "closed_at", "close_reason"])
    action = {
        RequestStatus.CANCELLED: AuditAction.REQUEST_CANCELLED,
        RequestStatus.EXPIRED: AuditAction.REQUEST_EXPIRED,
    }[status]
    _announce(status, request)
    record_entry(
        tenant=request.tenant,
        action=action,
        actor=actor,
        request=request,
        state_before=RequestStatus.PENDING,
        state_after=status,
        data={"reason": reason} if reason else {},
    )


def cancel_request(*, request_id, reason: str, actor: Actor) -> UnlockRequest:
    """Cancel a pending request, with the reason why."""
    reason = _required_text("reason", reason, REASON_MAX_LENGTH, "a reason for cancelling")
    with transaction.atomic():
        request = _lock_request(request_id)
        now = timezone.now()
        expired = _expire_if_due(request, now)
        if not expired and request.status == RequestStatus.PENDING:
            _close(request, RequestStatus.CANCELLED, now, actor=actor, reason=reason)
            return request
        refusal = _refuse(
            request,
            _not_pending(request),
            actor,
            data={"reason": reason},
            action=AuditAction.CANCEL_REFUSED,
        )
    raise refusal


def expire_requests(*, now=None, limit=500) -> int:
    """Expire pending requests past their time, as the system; returns how many.

    Each in a transaction of its own: a tenant's chain head is held for one entry at a
    time, never for many tenants at once (two runs could otherwise deadlock)."""
    now = now or timezone.now()
    due = list(
        UnlockRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for request_id in due:
        with transaction.atomic():
            request = (
                UnlockRequest.objects.select_for_update(no_key=True, of=("self",), skip_locked=True)
                .select_related("tenant")
                .filter(pk=request_id, status=RequestStatus.PENDING)
                .first()
            )
            # Approved, cancelled or expired meanwhile, or being acted on now: not ours.
            if request is not None:
                _close(
                    request,
                    RequestStatus.EXPIRED,
                    now,
                    actor=Actor.system(),
                    reason="Not approved in time.",
                )
                expired += 1
    return expired


# ---------------------------------------------------------------- the unlock's window

# Why a window's end re-locked, in its audit entry and on the request.
WINDOW_ENDED = "The unlock window ended."


def _window_ended(request, now):
    """Re-lock as the system, dated at the window's end (what the pages read already)."""
    _relock(
        request, now=now, ended_at=request.unlocked_until, actor=Actor.system(), reason=WINDOW_ENDED
    )


_RELOCK_ORDER = (
    (Batch, RecordType.BATCH),
    (Invoice, RecordType.INVOICE),
    (Payment, RecordType.PAYMENT),
)


def _relock(request, *, now, ended_at, actor, reason):
    """Put each record the request opened and is still open back to the state it had
    before; an exported one stays as it is and is noted. Bulk statements: the same
    queries for one record or a batch of 100,000."""
    outcome = {"exported": [], "relocked": []}
    # batch id -> (its number, what went back with it), for the batch's entry.
    batches = {}
    carried = []
    for model, record_type in _RELOCK_ORDER:
        mine = model.objects.filter(unlocked_by=request)
        is_batch = record_type == RecordType.BATCH
        rows = list(
            mine.select_for_update(no_key=True)
            .order_by("pk")
            .values_list("pk", "number", "state", "relock_state", "pk" if is_batch else "batch_id")
        )
        back = [row for row in rows if row[2] == LockState.OPEN and row[3]]
        if back:
            # Never `exported`: only rows still open are written, and their state goes back
            # to the one they had before the approval.
            mine.filter(state=LockState.OPEN).exclude(relock_state="").update(
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
    request.relocked_at = ended_at
    request.relocked_by = actor.label
    request.relock_reason = reason
    request.window_outcome = outcome
    request.save(update_fields=["relocked_at", "relocked_by", "relock_reason", "window_outcome"])
    _announce("relocked", request)
    relocked = {
        "action": AuditAction.REQUEST_RELOCKED,
        "request": request,
        "data": {
            "reason": reason,
            "early": ended_at != request.unlocked_until,
            "relocked": len(outcome["relocked"]),
            "exported_in_window": [f"{r['type']} {r['number']}" for r in outcome["exported"]],
        },
    }
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
    # Each transaction that went back with its batch has an entry of its own too, named in
    # the batch's, as at approval.
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
    record_entries(tenant=request.tenant, actor=actor, entries=[relocked, *own, *with_batch])


def relock_request(*, request_id, reason: str, actor: Actor) -> UnlockRequest:
    """End an approved request's unlock now, before its window does, with the reason why."""
    reason = _required_text("reason", reason, REASON_MAX_LENGTH, "a reason for re-locking")
    with transaction.atomic():
        request = _lock_request(request_id, with_tenant=True)
        now = timezone.now()
        if rules.window_due(request, now):
            # Its window ended before the job wrote it: end it as the job would, then say so.
            _window_ended(request, now)
        refusal = rules.relock_refused(request, now)
        if refusal is None:
            _relock(request, now=now, ended_at=now, actor=actor, reason=reason)
            return request
        refusal = _refuse(
            request, refusal, actor, data={"reason": reason}, action=AuditAction.RELOCK_REFUSED
        )
    raise refusal


def _each_due(qs, limit, act):
    """Run `act` on each request of `qs` in a transaction of its own, its row and its
    tenant's locked (the order at the top), skipped when another is acting on either (the
    next run takes it); returns how many `act` took."""
    due = list(qs.values_list("pk", flat=True)[:limit])
    done = 0
    for request_id in due:
        with transaction.atomic():
            request = (
                UnlockRequest.objects.select_for_update(no_key=True, skip_locked=True)
                .select_related("tenant")
                .filter(pk=request_id)
                .first()
            )
            if request is not None and act(request):
                done += 1
    return done


def end_windows(*, now=None, limit=500) -> int:
    """Re-lock what approved requests opened once their windows have ended, as the system;
    returns how many requests. One transaction per request, as for expiry."""
    now = now or timezone.now()

    def end(request):
        if not rules.window_due(request, now):
            return False  # re-locked early meanwhile
        _window_ended(request, now)
        return True

    qs = UnlockRequest.objects.not_relocked().filter(unlocked_until__lte=now)
    qs = qs.order_by("unlocked_until")
    return _each_due(qs, limit, end)


def remind_windows(*, now=None, limit=500) -> int:
    """Tell the tenant's admins of each unlock whose window is nearly over (a quarter
    left, at least an hour); returns how many requests. Each is told once."""
    now = now or timezone.now()

    def remind(request):
        if request.reminded_at is not None or not rules.window_running(request, now):
            return False
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        _announce("window_ending", request)
        return True

    qs = UnlockRequest.objects.filter(
        reminded_at__isnull=True, relocked_at__isnull=True, remind_at__lte=now
    ).order_by("remind_at")
    return _each_due(qs, limit, remind)


def move_window_back(*, request_id, hours: float | None = None) -> UnlockRequest:
    """Development only: move an approved request's window `hours` earlier (all of what is
    left of it if None), as if that much time had passed, so that a demo sees its reminder
    and its end without waiting. Changes no record's state and writes no audit entry."""
    if settings.PRODUCTION:
        raise Refusal(
            "not_in_production",
            "Moving an unlock's clock is for development only; it is refused in production.",
        )
    with transaction.atomic():
        request = _lock_request(request_id)
        now = timezone.now()
        if refusal := rules.relock_refused(request, now):
            raise refusal
        shift = timedelta(hours=hours) if hours is not None else request.unlocked_until - now
        for name in ("approved_at", "completed_at", "closed_at", "unlocked_until", "remind_at"):
            value = getattr(request, name)
            setattr(request, name, value - shift if value is not None else None)
        request.save()
        for model, _ in _RELOCK_ORDER:
            model.objects.filter(unlocked_by=request).update(unlocked_until=request.unlocked_until)
    return request


def _announce(event, request, *, admins=None):
    """Write who hears of the change, and what they are told, onto the outbox in its
    transaction (unlocks/events.py); the outbox hands them over once it commits.

    `admins`: the tenant's admins, where the change has read them already."""
    events.request_event(event, request, admins=admins)
