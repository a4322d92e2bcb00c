"""Approving a request: its guards in API.md's order (SPEC rules 5 to 8, 12 and 13), then
the approval (`approvals`) and, once it has all it needs, the unlock in the same
transaction (`unlocking`)."""

from django.db import transaction
from django.utils import timezone

from accounts import factors
from accounts.pins import new_pin_refusal, pin_matches
from accounts.selectors import membership_by_email
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entries, record_entry
from books import lookup
from core.refusals import Refusal
from core.text import storable
from unlocks import rules
from unlocks.consent import current_consent
from unlocks.in_the_books import not_asked
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.outlook import books_of_request, judge, with_books
from unlocks.selectors import request_with_targets
from unlocks.services import approvals
from unlocks.services.closing import expire_if_due
from unlocks.services.shared import announce, audited, lock_request, not_pending, refuse
from unlocks.services.unlocking import keep_passkey_signature, unlock


def verify_and_unlock(
    *,
    request_id,
    approver_email: str,
    pin: str,
    consent_version,
    consent_accepted: bool,
    duplicate_risk_acknowledged: bool = False,
    found_in_quickbooks_acknowledged: bool = False,
    window_hours: int | None = None,
    admin_code: str | None = None,
    passkey=None,
    actor: Actor,
) -> UnlockRequest:
    """Approve with an admin's PIN and consent, and unlock the targets in the same transaction.

    Guards run in API.md's order; the first that fails answers. `window_hours` may shorten
    the window the request named (None keeps it). `admin_code`: the approver's
    authenticator code; `passkey`: a callable that checks the approver's passkey assertion
    (the PIN page's), returning the signed assertion (kept with the approval) or a falsy
    value when it does not pass. Either is asked for right after the PIN
    where the tenant requires a second factor or the approver holds one. A refused attempt
    is audited and committed before the refusal is raised.
    """
    if window_hours is not None and (refusal := rules.window_hours_invalid(window_hours)):
        raise refusal
    ask = {
        "approver_email": approver_email,
        "pin": pin,
        "admin_code": admin_code,
        "passkey": passkey,
        "consent_version": consent_version,
        "consent_accepted": consent_accepted,
        "duplicate_risk_acknowledged": duplicate_risk_acknowledged,
        "found_in_quickbooks_acknowledged": found_in_quickbooks_acknowledged,
        "window_hours": window_hours,
    }
    # The books are asked before any row is locked: a slow QuickBooks holds no lock, and
    # costs at most its timeout (SPEC rule 14).
    booked = _books_before(request_id)
    with transaction.atomic():
        outcome = _verify_locked(request_id, ask, actor, booked)
    if isinstance(outcome, Refusal):
        raise outcome
    return outcome


def _books_before(request_id):
    """What the books hold of the request's targets now, or None where no books are set up
    or there is no such request (refused in the transaction)."""
    if not lookup.configured():
        return None
    request = request_with_targets(request_id)
    return books_of_request(request) if request is not None else None


def _verify_locked(request_id, ask, actor, booked):
    """Every guard on the locked rows, then the unlock; returns the request, or the refusal
    to raise once its audit entry has committed."""
    # The tenant's row is locked with the request's: it serialises PIN checks, so
    # concurrent guesses count one by one.
    request = lock_request(request_id, with_tenant=True)
    now = timezone.now()
    expire_if_due(request, now)
    if request.status != RequestStatus.PENDING:
        if rules.repeats_own_approval(request, ask["approver_email"]):
            return not_pending(request)  # the approver's own, again: nothing to record
        return refuse(request, not_pending(request), actor)
    # A malformed ask, not a guard: refused before anything is counted or recorded.
    window_hours = ask["window_hours"]
    if window_hours is not None and (refusal := rules.window_not_shorter(window_hours, request)):
        return refusal
    approver = _approver(request, ask["approver_email"], actor)
    if isinstance(approver, Refusal):
        return approver
    # Two approvals are two admins' (rule 13): asked before the PIN, which it spares.
    if refusal := rules.already_approved_by_you(approver, request.approvals_in_order):
        return refuse(request, refusal, actor, data={"approver": approver.email})
    approved_with = _proved(request, approver, ask, now, actor)
    if isinstance(approved_with, Refusal):
        return approved_with
    consent = current_consent()
    if refusal := rules.consent_not_given(
        accepted=ask["consent_accepted"], version=ask["consent_version"], consent=consent
    ):
        return refuse(request, refusal, actor)
    # Every rule again, on the locked rows: a record that changed since opening is judged
    # as it is now, and so is its duplicate risk.
    specs = [(t.record_type, t.number) for t in request.targets.all()]
    targets, refusals = judge(request.tenant, specs, lock=True, now=now)
    acknowledged = ask["duplicate_risk_acknowledged"]
    if refusal := rules.duplicate_risk_not_acknowledged(targets, acknowledged):
        return refuse(request, refusal, actor)
    booked = with_books(targets, booked or not_asked(request.tenant))
    acknowledged = ask["found_in_quickbooks_acknowledged"]
    if refusal := rules.found_in_quickbooks_not_acknowledged(targets, acknowledged):
        return refuse(request, refusal, actor)
    if refusals:
        return _refused_by_rules(request, refusals, now, actor)
    if window_hours is not None:
        request.window_hours = window_hours
    # How many approvals, judged now on the locked rows (rule 13): the first of two
    # unlocks nothing.
    needed = approvals.needed_now(request, targets)
    given = approvals.record_approval(request, approver, consent, now, approved_with, needed)
    if approvals.awaiting_another(given, needed):
        approvals.first_of_two(request, given, needed, consent, actor, targets, booked)
    else:
        unlock(request, targets, approver, consent, now, actor, approved_with, booked)
    if ask.get("passkey_signed"):
        keep_passkey_signature(request, ask["passkey_signed"], approver, actor)
    return request


def _approver(request, email, actor):
    """The approving user, an admin of the tenant now (rule 5), or the refusal."""
    if not isinstance(email, str) or not storable(email):
        # Not an email anyone could hold; refused like any non-admin, and safe to audit.
        email = ""
    membership = membership_by_email(tenant=request.tenant, email=email)
    if refusal := rules.not_tenant_admin(request.tenant, email, membership):
        return refuse(request, refusal, actor, data={"admin_email": email})
    return membership.user


def _proved(request, approver, ask, now, actor):
    """The PIN (rule 6) and, right after it, the approver's own second factor (rule 12):
    what the approval was proved with (["pin"], ["pin", "totp"], ...), or the refusal."""
    tenant = request.tenant
    if refusal := rules.pin_locked(tenant, now) or rules.pin_not_set(tenant):
        return refuse(request, refusal, actor)
    pin = ask["pin"]
    if not pin_matches(tenant.pin_hash, pin if isinstance(pin, str) else ""):
        return _wrong(request, approver, now, actor)
    _judge_the_pin_in_use(tenant, pin)
    held = factors.kinds_of(approver)
    code = factors.normalised(ask["admin_code"])
    passkey = ask["passkey"]
    if refusal := rules.second_factor_missing(
        tenant=tenant,
        approver=approver,
        approver_factors=held,
        code_given=bool(code),
        passkey_given=passkey is not None,
    ):
        return refuse(request, refusal, actor, data={"approver": approver.email})
    approved_with = ["pin"]
    if passkey is not None and factors.PASSKEY in held:
        if not (signed := passkey(approver)):
            return _wrong(request, approver, now, actor, factor=factors.PASSKEY)
        approved_with.append(factors.PASSKEY)
        # The approver's own signature on the consent statement, kept with the approval.
        ask["passkey_signed"] = signed
    elif code and factors.TOTP in held:
        if wait := factors.totp_wait(approver, now, lock=True):
            return refuse(request, rules.second_factor_wait(wait), actor)
        if factors.matching_totp(approver, code, lock=True) is None:
            return _wrong(request, approver, now, actor, factor=factors.TOTP)
        approved_with.append(factors.TOTP)
    if tenant.pin_failure_times:
        tenant.pin_failure_times = []
        tenant.save(update_fields=["pin_failure_times"])
    return approved_with


def _judge_the_pin_in_use(tenant, pin):
    """The right PIN, given: would it be refused as a new one now (a pattern, a common
    PIN, too short)? Its admins are then asked to change it (`pin_needs_change`)."""
    weak = new_pin_refusal(pin) is not None
    if weak != tenant.pin_needs_change:
        tenant.pin_needs_change = weak
        tenant.save(update_fields=["pin_needs_change"])


def _refused_by_rules(request, refusals, now, actor):
    """A target broke a rule since the request was opened: the request ends refused."""
    first = refusals[0]
    request.status = RequestStatus.REFUSED
    request.refusal_code = first.code
    request.closed_at = now
    request.save(update_fields=["status", "refusal_code", "closed_at"])
    announce("refused", request)
    record_entry(
        tenant=request.tenant,
        action=AuditAction.REQUEST_REFUSED,
        actor=actor,
        request=request,
        code=first.code,
        state_before=RequestStatus.PENDING,
        state_after=RequestStatus.REFUSED,
        data={"codes": [r.code for r in refusals]},
    )
    return audited(first)


def _wrong(request, approver, now, actor, factor=None):
    """A wrong PIN, or (`factor`) a wrong second factor after the right PIN: both count in
    the tenant's one window of wrong tries, and lock PIN verification alike."""
    tenant = request.tenant
    judged = rules.wrong_pin(tenant, now)
    wrong = {
        "action": AuditAction.PIN_INCORRECT
        if factor is None
        else AuditAction.SECOND_FACTOR_INCORRECT,
        "request": request,
        "code": "pin_incorrect" if factor is None else "second_factor_incorrect",
        "data": {"approver": approver.email, "attempts_left": judged.attempts_left}
        | ({} if factor is None else {"factor": factor}),
    }
    if judged.locked_until is None:
        tenant.pin_failure_times = judged.failures
        tenant.save(update_fields=["pin_failure_times"])
        record_entry(tenant=tenant, actor=actor, **wrong)
        if factor is not None:
            return audited(rules.second_factor_incorrect(judged.attempts_left, factor))
        return audited(rules.pin_incorrect(judged.attempts_left))
    tenant.pin_locked_until = judged.locked_until
    tenant.pin_last_locked_at = now
    tenant.pin_locks_in_a_row = judged.locks_in_a_row
    tenant.pin_failure_times = []
    tenant.save(
        update_fields=[
            "pin_locked_until",
            "pin_last_locked_at",
            "pin_locks_in_a_row",
            "pin_failure_times",
        ]
    )
    announce("pin_locked", request)
    locked = {
        "action": AuditAction.PIN_LOCKED,
        "request": request,
        "code": "pin_locked",
        "data": {
            "locked_until": tenant.pin_locked_until.isoformat(),
            # The how-manieth lock in a row, and so how long it lasts.
            "locks_in_a_row": judged.locks_in_a_row,
        },
    }
    record_entries(tenant=tenant, actor=actor, entries=[wrong, locked])
    return audited(rules.pin_locked(tenant, now))
