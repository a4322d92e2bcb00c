"""The rules of an unlock (SPEC.md), each a plain decision over facts already read.

Every function here is pure: it judges rows and facts the services have read (and
locked), touches no database and returns a refusal, or None when the rule passes.
The services read, ask these, and write; the PIN page and the console ask the same
functions what to show. SPEC's rules, and where each is decided:

1. Exported is final ............................ exported_batch, exported_record
2. Nothing in the batch may have been exported .. transactions_exported
3. Only locked records .......................... not_locked
4. Bypassed batches carry a duplicate risk ...... warnings_for, needs_duplicate_risk_ack,
                                                  duplicate_risk_not_acknowledged
5. An admin authorises, at the moment of approval is_tenant_admin, not_tenant_admin
6. PIN verification and its lock-out ............ pin_locked_now, pin_locked, pin_not_set,
                                                  failures_in_window, wrong_pin,
                                                  lock_duration
7. Consent, word for word ....................... consent_not_given
8. Approval unlocks at once, judged on locked rows UNLOCKABLE, refusals_for (the services
                                                  call it again on the locked rows)
9. Requests expire .............................. expires_at, past_expiry, overdue
10. Everything is audited: not a decision but a duty of the services, each of which
    writes its step's audit entry in the step's own transaction (audit.services); the
    service tests (`test_it_audits_*`, `test_*_is_audited`) and the fault tests hold them
    to it.
11. Unlocks end by themselves ................... window_hours_invalid, window_not_shorter,
                                                  window_end, remind_at, state_now,
                                                  in_window_until, window_running,
                                                  window_due, relocked_at, relock_refused
14. The books are asked ........................ books_warnings, needs_found_in_quickbooks_ack,
                                                  found_in_quickbooks_not_acknowledged
12. A named approver (staff signing in: accounts.rules)
                                                  second_factor_needed, second_factor_missing,
                                                  second_factor_wait
13. Two approvers where the tenant asks ......... ApprovalPolicy, approvals_needed,
                                                  already_approved_by_you, policy_invalid,
                                                  loosens, too_few_admins,
                                                  policy_change_refused,
                                                  policy_change_expired,
                                                  admin_cancel_refused
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from accounts.models import Role
from core import times
from core.refusals import Refusal
from core.text import storable
from unlocks.states import LockState, RecordType, RequestStatus

DUPLICATE_RISK = "duplicate_risk"
FOUND_IN_QUICKBOOKS = "found_in_quickbooks"


LABEL = {RecordType.BATCH: "Batch", RecordType.INVOICE: "Invoice", RecordType.PAYMENT: "Payment"}


@dataclass
class Facts:
    """What the rules need to know beyond the records themselves."""

    # (record_type, id) of transactions with an export in their history.
    exported_history: set = field(default_factory=set)
    # batch id -> {"invoices": [numbers], "payments": [numbers]} of all its transactions.
    batch_contents: dict = field(default_factory=dict)
    # batch id -> numbers of its transactions that have an export in their history.
    batch_exported: dict = field(default_factory=dict)
    # When the records are judged: an unlock whose window has ended reads locked again.
    now: datetime | None = None


def state_of(record, facts):
    """The record's state as the rules judge it: as it reads at the facts' time."""
    return record.state if facts.now is None else record.state_at(facts.now)


def _target(record):
    return {"type": record.record_type, "number": record.number}


def exported_batch(batch, facts):
    if batch.record_type != RecordType.BATCH or state_of(batch, facts) != LockState.EXPORTED:
        return None
    contents = facts.batch_contents.get(batch.pk, {"invoices": [], "payments": []})
    names = contents["invoices"] + contents["payments"]
    route = (
        f"Bypass the invoices and payments in it instead ({', '.join(names)}), then ask "
        "again to unlock those."
        if names
        else "It holds no invoices or payments now; find the transactions you need and "
        "ask to unlock those instead."
    )
    return Refusal(
        "exported_batch",
        f"Batch {batch.number} was exported to the accounting system and can never be "
        f"unlocked. {route}",
        {"target": _target(batch), **contents},
    )


def exported_record(record, facts):
    if record.record_type == RecordType.BATCH or state_of(record, facts) != LockState.EXPORTED:
        return None
    label = LABEL[record.record_type].lower()
    return Refusal(
        "exported_record",
        f"{LABEL[record.record_type]} {record.number} was exported to the accounting "
        f"system and cannot be unlocked. Bypass the {label} first, then ask again to "
        "unlock it.",
        {"target": _target(record), "batch": getattr(record.batch, "number", None)},
    )


def transactions_exported(batch, facts):
    if batch.record_type != RecordType.BATCH or state_of(batch, facts) != LockState.BYPASSED:
        return None
    exported = facts.batch_exported.get(batch.pk)
    if not exported or not (exported["invoices"] or exported["payments"]):
        return None
    names = exported["invoices"] + exported["payments"]
    return Refusal(
        "transactions_exported",
        f"Batch {batch.number} cannot be unlocked because {', '.join(names)} in it "
        f"{'was' if len(names) == 1 else 'were'} already exported. Ask to unlock the "
        "batch's other transactions one by one instead.",
        {"target": _target(batch), **exported},
    )


def not_locked(record, facts):
    if state_of(record, facts) != LockState.OPEN:
        return None
    return Refusal(
        "not_locked",
        f"{LABEL[record.record_type]} {record.number} is already open: there is nothing "
        "to unlock. Check the number, or leave it out of the request.",
        {"target": _target(record), "state": LockState.OPEN.value},
    )


RULES = (exported_batch, exported_record, transactions_exported, not_locked)
# The codes of those rules, in SPEC order (each rule is named after its code).
RULE_CODES = tuple(rule.__name__ for rule in RULES)


def refusals_for(record, facts):
    """Every rule that refuses unlocking `record`, in SPEC order."""
    return [r for rule in RULES if (r := rule(record, facts)) is not None]


def warnings_for(record, facts):
    if record.record_type == RecordType.BATCH:
        risky = state_of(record, facts) == LockState.BYPASSED
    else:
        risky = (record.record_type, record.pk) in facts.exported_history
    return [DUPLICATE_RISK] if risky else []


def unknown_record(record_type, number, tenant):
    return Refusal(
        "unknown_record",
        f"There is no {record_type} numbered {number} in tenant {tenant.slug}. Check the "
        "type and the number (for example B-1001, INV-42, PAY-7).",
        {"target": {"type": record_type, "number": number}},
    )


def no_such_request(request_id):
    """The refusal for an unlock request id that names none, as every front end says it."""
    shown = str(request_id)[:64]
    return Refusal(
        "not_found",
        "There is no unlock request with that id. Check the id, or list the tenant's requests.",
        # Shown back only as text that can be stored: no NUL, no lone surrogate.
        {"id": shown if storable(shown) else None},
    )


# ---------------------------------------------------------------- 4. duplicate risk


def needs_duplicate_risk_ack(targets):
    """Whether approving these targets (`outlook.TargetOutlook`s, judged as they are now)
    needs the acknowledgement."""
    return any(DUPLICATE_RISK in t.warnings for t in targets)


def duplicate_risk_not_acknowledged(targets, acknowledged):
    """Refuses an approval of risky targets (judged now, not at opening) without the tick."""
    if not needs_duplicate_risk_ack(targets) or acknowledged is True:
        return None
    return Refusal(
        "duplicate_risk_not_acknowledged",
        "Re-exporting these records can duplicate entries the customer already keyed "
        "in by hand; adding the items manually in QuickBooks is recommended instead. "
        "To go ahead, acknowledge the duplicate risk.",
        {
            "targets": [
                {"type": t.type, "number": t.number}
                for t in targets
                if DUPLICATE_RISK in t.warnings
            ]
        },
    )


# ---------------------------------------------------------------- 14. the books are asked


def books_warnings(found_numbers):
    """A record the customer's QuickBooks already holds (by id, number or look-alike)."""
    return [FOUND_IN_QUICKBOOKS] if found_numbers else []


def needs_found_in_quickbooks_ack(targets):
    return any(FOUND_IN_QUICKBOOKS in t.warnings for t in targets)


def found_in_quickbooks_not_acknowledged(targets, acknowledged):
    """Refuses an approval of records found in QuickBooks without acknowledging them. A
    check that failed finds nothing, and so never refuses (the books are never a gate)."""
    if not needs_found_in_quickbooks_ack(targets) or acknowledged is True:
        return None
    named = [n for t in targets for n in t.found_in_quickbooks]
    return Refusal(
        "found_in_quickbooks_unacknowledged",
        f"The customer's QuickBooks already holds {', '.join(named)}: exporting "
        f"{'it' if len(named) == 1 else 'them'} again will enter the same items twice. Fix "
        "them in QuickBooks instead, or, to go ahead, acknowledge that they are in "
        "QuickBooks.",
        {
            "targets": [
                {"type": t.type, "number": t.number, "found": t.found_in_quickbooks}
                for t in targets
                if FOUND_IN_QUICKBOOKS in t.warnings
            ]
        },
    )


# ---------------------------------------------------------------- 5. an admin authorises


def is_tenant_admin(membership):
    """Whether a membership (of an active user, read now) is an admin's."""
    return membership is not None and membership.role == Role.ADMIN


def repeats_own_approval(request, email):
    """Whether `email` is the admin who approved `request` already: their approval sent
    again (a double click, Back and send again). It changes nothing and is no attempt, so
    it is not recorded, and the approver's page shows the receipt."""
    approver = request.approved_by if request.status == RequestStatus.COMPLETED else None
    return (
        approver is not None
        and isinstance(email, str)
        and approver.email.lower() == email.strip().lower()
    )


def not_tenant_admin(tenant, email, membership=None):
    """Refuses anyone whose membership (read now) is not an active admin's of the tenant."""
    if is_tenant_admin(membership):
        return None
    return Refusal(
        "not_tenant_admin",
        f"{email or 'That person'} is not an admin of {tenant.name} now. Only one of the "
        "tenant's assigned admins can approve; ask one to verify.",
        {"admin_email": email},
    )


# ---------------------------------------------------------------- 6. the PIN


def pin_locked_now(tenant, now):
    """Whether PIN verification of the tenant is locked at `now`, on every channel."""
    return tenant.pin_locked_until is not None and tenant.pin_locked_until > now


def pin_locked(tenant, now):
    """Refuses a PIN check while the tenant's PIN is locked."""
    if not pin_locked_now(tenant, now):
        return None
    retry_after = max(1, int((tenant.pin_locked_until - now).total_seconds() + 0.999))
    return Refusal(
        "pin_locked",
        f"Too many wrong PINs: PIN verification for this account is locked until "
        f"{times.clock(tenant.pin_locked_until)}. Try again after that.",
        {"retry_after": retry_after, "locked_until": tenant.pin_locked_until.isoformat()},
    )


def pin_not_set(tenant):
    if tenant.has_pin:
        return None
    return Refusal(
        "pin_not_set",
        f"{tenant.name} has no account PIN yet, so nothing can be approved. An admin of "
        "the account can set one, signed in, at /settings/pin/; then try again.",
    )


def failures_in_window(failure_times, now):
    """The wrong PINs (ISO times) that still count at `now`."""
    window_start = now - settings.PIN_FAILURE_WINDOW
    return [t for t in failure_times if datetime.fromisoformat(t) > window_start]


@dataclass(frozen=True)
class WrongPin:
    """What one more wrong PIN at `now` does: the failures that count, and a lock-out, with
    how many locks in a row it makes."""

    failures: list
    attempts_left: int
    locked_until: datetime | None
    locks_in_a_row: int = 0


def lock_duration(locks_in_a_row):
    """How long the `locks_in_a_row`-th lock in a row lasts: PIN_LOCK_DURATION for the first,
    twice the one before for each after, PIN_LOCK_MAX at most."""
    return min(settings.PIN_LOCK_DURATION * 2 ** (locks_in_a_row - 1), settings.PIN_LOCK_MAX)


def wrong_pin(tenant, now):
    """Judge one more wrong PIN of `tenant` at `now`: after PIN_MAX_FAILURES within the
    window the PIN locks, and a lock within PIN_LOCK_GROWS_WITHIN of the last one lasts
    twice as long as it did."""
    failures = [*failures_in_window(tenant.pin_failure_times, now), now.isoformat()]
    attempts_left = max(0, settings.PIN_MAX_FAILURES - len(failures))
    if attempts_left:
        return WrongPin(failures=failures, attempts_left=attempts_left, locked_until=None)
    last = tenant.pin_last_locked_at
    in_a_row = (
        tenant.pin_locks_in_a_row + 1
        if last is not None and now - last <= settings.PIN_LOCK_GROWS_WITHIN
        else 1
    )
    return WrongPin(
        failures=failures,
        attempts_left=0,
        locked_until=now + lock_duration(in_a_row),
        locks_in_a_row=in_a_row,
    )


def pin_incorrect(attempts_left):
    return Refusal(
        "pin_incorrect",
        f"That PIN is not right. {attempts_left} "
        f"{'try is' if attempts_left == 1 else 'tries are'} left before PIN verification "
        "is locked for this account.",
        {"attempts_left": attempts_left},
    )


# ---------------------------------------------------------------- 7. consent


def consent_not_given(*, accepted, version, consent):
    """Refuses an approval whose consent was not accepted, or names a stale version."""
    if accepted is not True:
        return Refusal(
            "consent_required",
            "The admin must accept the consent text, read in full, before anything is "
            "unlocked. Tick that it was accepted and try again.",
        )
    # True == 1 in Python: a bool names no version of the text.
    if isinstance(version, bool) or version != consent.version:
        return Refusal(
            "consent_stale",
            f"The consent text changed: version {consent.version} is current, not "
            f"{version}. Show the admin the current text and ask again.",
            {"current_version": consent.version, "sha256": consent.sha256},
        )
    return None


# ---------------------------------------------------------------- 8. what an approval opens

# What an approval may open; `exported` is final (rule 1).
UNLOCKABLE = (LockState.BYPASSED, LockState.IMPORTED)


# ---------------------------------------------------------------- 9. expiry


def expires_at(opened_at):
    """When a request opened at `opened_at` expires unless approved (UNLOCK_REQUEST_TTL)."""
    return opened_at + settings.UNLOCK_REQUEST_TTL


def past_expiry(expires_at, now):
    """Whether a request that expires at `expires_at` may no longer be approved at `now`."""
    return expires_at <= now


def overdue(request, now):
    """Pending past its expiry: it reads expired, and whoever acts on it next expires it."""
    return request.status == RequestStatus.PENDING and past_expiry(request.expires_at, now)


# ---------------------------------------------------------------- 11. the unlock window

WINDOW_MIN_HOURS = 1
WINDOW_MAX_HOURS = 336
# The admins are reminded when a quarter of the window is left, and at least this long
# before its end.
REMINDER_AT_LEAST = timedelta(hours=1)


def _window_invalid(message):
    return Refusal("invalid", f"The request is not valid: {message}", {"window_hours": message})


def window_hours_invalid(hours):
    """Refuses a window that is not a whole number of hours from 1 to 336."""
    if isinstance(hours, bool) or not isinstance(hours, int):
        return _window_invalid("The window is a whole number of hours, from 1 to 336.")
    if not WINDOW_MIN_HOURS <= hours <= WINDOW_MAX_HOURS:
        return _window_invalid(
            f"The window is {WINDOW_MIN_HOURS} to {WINDOW_MAX_HOURS} hours (14 days); "
            f"{hours} is outside it."
        )
    return None


def window_not_shorter(hours, request):
    """Refuses an approval that would lengthen the window the request named: a longer
    unlock needs a new request and a new approval."""
    if refusal := window_hours_invalid(hours):
        return refusal
    if hours > request.window_hours:
        return _window_invalid(
            f"The request asks for {request.window_hours} hours; an approval may shorten "
            "the window, not lengthen it. Open a new request for a longer unlock."
        )
    return None


def window_end(approved_at, hours):
    """When an unlock approved at `approved_at` for `hours` ends: the clock starts then."""
    return approved_at + timedelta(hours=hours)


def remind_at(approved_at, hours):
    """When the admins hear the window is ending: a quarter of it left, at least an hour
    before its end; None for a window too short to be reminded of (one hour: the receipt
    says when it ends)."""
    lead = max(timedelta(hours=hours) / 4, REMINDER_AT_LEAST)
    if lead >= timedelta(hours=hours):
        return None
    return window_end(approved_at, hours) - lead


def _opened_by_unlock(state, relock_state, unlocked_until):
    return state == LockState.OPEN and bool(relock_state) and unlocked_until is not None


def state_now(state, relock_state, unlocked_until, now):
    """A record an unlock opened reads as it was before once the window has ended, before
    the job writes it back; any other record reads as stored. Exported stays exported."""
    ended = _opened_by_unlock(state, relock_state, unlocked_until) and unlocked_until <= now
    return relock_state if ended else state


def in_window_until(state, relock_state, unlocked_until, now):
    """Until when a record is open by an unlock, or None when it is not in a window."""
    running = _opened_by_unlock(state, relock_state, unlocked_until) and unlocked_until > now
    return unlocked_until if running else None


def _unlock_not_relocked(request):
    """Approved with a window, and not re-locked yet."""
    return (
        request.status == RequestStatus.COMPLETED
        and request.relocked_at is None
        and request.unlocked_until is not None
    )


def window_running(request, now):
    """Approved, not re-locked, and its window not yet ended."""
    return _unlock_not_relocked(request) and request.unlocked_until > now


def window_due(request, now):
    """Approved and its window ended, but not yet re-locked: whoever acts next ends it."""
    return _unlock_not_relocked(request) and request.unlocked_until <= now


def relocked_at(request, now):
    """When the unlock ended, as it reads at `now`: a window that ran out reads re-locked
    at its end."""
    if request.relocked_at is not None:
        return request.relocked_at
    if window_due(request, now):
        return request.unlocked_until
    return None


# What an approved request's unlock is now (`unlock_now`).
UNLOCKED = "unlocked"  # its window runs: the records are open until `until`
RELOCKED_EARLY = "relocked_early"  # someone ended it before its window did
ENDED_BY_ITSELF = "ended_by_itself"  # its window ran out


@dataclass(frozen=True)
class UnlockNow:
    """An approved request's unlock as it is now: the one reader the receipt, the tenant's
    request list and the console's request page say it from."""

    state: str
    until: datetime  # when its window ends, or ended
    ended_at: datetime | None = None
    by: str = ""  # who re-locked it early
    reason: str = ""  # and why
    # Known once the end is written (None before the job has run): the records exported
    # in the window, and those that went back to their locks ({"type", "number"[, "state"]}).
    exported: list | None = None
    relocked: list | None = None

    @property
    def ended(self):
        return self.state != UNLOCKED

    def record_state(self, record_type, number, before):
        """What a record the approval opened (from `before`) is now, as far as the unlock
        knows: open while it runs; exported if exported in the window; else back at
        `before`."""
        if not self.ended:
            return LockState.OPEN
        if any(r["type"] == record_type and r["number"] == number for r in self.exported or []):
            return LockState.EXPORTED
        return before


def unlock_now(request, now):
    """What `request`'s unlock is at `now` (an `UnlockNow`), or None for a request that
    unlocked nothing with a window (not approved, or approved before windows existed)."""
    if request.status != RequestStatus.COMPLETED or request.unlocked_until is None:
        return None
    ended_at = relocked_at(request, now)
    if ended_at is None:
        return UnlockNow(UNLOCKED, request.unlocked_until)
    outcome = request.window_outcome or {}
    known = {"exported": outcome.get("exported"), "relocked": outcome.get("relocked")}
    if request.relocked_at is not None and request.relocked_at != request.unlocked_until:
        return UnlockNow(
            RELOCKED_EARLY,
            request.unlocked_until,
            ended_at,
            by=request.relocked_by,
            reason=request.relock_reason,
            **known,
        )
    return UnlockNow(ENDED_BY_ITSELF, request.unlocked_until, ended_at, **known)


def relock_refused(request, now):
    """Refuses an early re-lock of a request that did not unlock anything, or whose
    unlock has already ended (by its window or an earlier re-lock)."""
    if request.status == RequestStatus.COMPLETED and request.unlocked_until is None:
        return Refusal(
            "request_not_completed",
            "This request was approved before unlocks had a window: nothing records what "
            "it opened, so there is nothing to re-lock here. Bypass the records on the "
            "platform if they must be locked again.",
            {"status": request.status_now},
        )
    if request.status != RequestStatus.COMPLETED:
        return Refusal(
            "request_not_completed",
            f"This request is {request.status_now}: it unlocked nothing, so there is "
            "nothing to re-lock. Cancel it instead if it is still pending.",
            {"status": request.status_now},
        )
    ended = relocked_at(request, now)
    if ended is not None:
        return Refusal(
            "already_relocked",
            f"This unlock already ended at {times.local(ended)} and its records "
            "went back to their locks; there is nothing left to re-lock.",
            {"relocked_at": ended.isoformat()},
        )
    return None


# ---------------------------------------------------------------- 12. a named approver


def second_factor_needed(*, tenant_requires, approver_factors):
    """Whether an approval asks the approver for a second factor after the PIN: when the
    tenant requires one for every approval, or the approver holds one."""
    return bool(tenant_requires or approver_factors)


def second_factor_missing(*, tenant, approver, approver_factors, code_given, passkey_given):
    """Refuses an approval that needs a second factor (second_factor_needed) and was not
    given one the approver can use; None when none is needed or one was given.

    `approver_factors`: the kinds the approver holds ("totp", "passkey")."""
    if not second_factor_needed(
        tenant_requires=tenant.approval_requires_second_factor, approver_factors=approver_factors
    ):
        return None
    if passkey_given and "passkey" in approver_factors:
        return None
    if code_given and "totp" in approver_factors:
        return None
    details = {"factors": sorted(approver_factors)}
    if not approver_factors:
        message = (
            f"{tenant.name} requires a second factor for every approval, and "
            f"{approver.email} has none yet. They can add an authenticator app or a passkey, "
            "signed in, at /settings/second-factor/, then approve."
        )
    elif "totp" not in approver_factors:
        message = (
            f"{approver.email} approves with a passkey, which cannot be read out on the phone. "
            "Ask them to approve on the PIN page (the approval link) instead."
        )
    else:
        message = (
            f"{approver.email} approves with a second factor: give admin_code, the 6-digit code "
            "their authenticator app shows now"
            + (
                ", or approve on the PIN page with their passkey."
                if "passkey" in approver_factors
                else "."
            )
        )
    return Refusal("second_factor_required", message, details)


def second_factor_wait(seconds):
    """Refuses, unchecked and uncounted, a code sent while the approver's authenticator
    still waits after a wrong one (django-otp's throttle): a right code then would be
    answered wrong."""
    return Refusal(
        "second_factor_wait",
        f"That code came too soon after a wrong one, so it was not checked, and nothing was "
        f"counted. Wait {seconds} {'second' if seconds == 1 else 'seconds'}, then send the "
        "code the app shows then.",
        {"retry_after": seconds},
    )


def second_factor_incorrect(attempts_left, factor="totp"):
    """Refuses a wrong second factor given after the right PIN; it counts as a wrong PIN."""
    what = (
        "That passkey could not be verified. Try it again."
        if factor == "passkey"
        else "That authenticator code is not right (or was used already). Ask for the code the "
        "app shows now."
    )
    return Refusal(
        "second_factor_incorrect",
        f"{what} {attempts_left} {'try is' if attempts_left == 1 else 'tries are'} left "
        "before verification is locked for this account.",
        {"attempts_left": attempts_left},
    )


# ---------------------------------------------------------------- 13. two approvers

# The most approvals a request needs: its tenant's admins, two of them.
MOST_APPROVALS = 2
# A loosening of the policy waits this long for a second admin, then lapses.
POLICY_CHANGE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class ApprovalPolicy:
    """A tenant's two-approver policy: unlocks whose total at stake reaches `two_from_cents`
    (None: no amount) need two different admins, and so does every unlock of a bypassed
    batch where `bypassed_batches`."""

    two_from_cents: int | None = None
    bypassed_batches: bool = False

    @classmethod
    def of_tenant(cls, tenant):
        return cls(tenant.two_approvers_from_cents, tenant.two_approvers_for_bypassed_batches)

    @classmethod
    def from_json(cls, data):
        return cls(data.get("two_from_cents"), bool(data.get("bypassed_batches")))

    def as_json(self):
        return {"two_from_cents": self.two_from_cents, "bypassed_batches": self.bypassed_batches}

    @property
    def on(self):
        return self.two_from_cents is not None or self.bypassed_batches


@dataclass(frozen=True)
class ApprovalsNeeded:
    """How many approvals an unlock needs, and why: `because` is "amount" (its total
    reaches the policy's amount), "bypassed_batch" (it unlocks a bypassed batch), or None
    (one admin's approval; `policy.on` says whether the policy looked at it at all)."""

    required: int
    because: str | None
    policy: ApprovalPolicy
    total_cents: int
    batches: tuple = ()


def approvals_needed(policy, total_cents, *, bypassed_batches=()):
    """How many approvals an unlock of `total_cents` (its total at stake), naming the
    bypassed batches `bypassed_batches`, needs under `policy`: judged again at each
    approval, as every rule is."""
    batches = tuple(bypassed_batches)
    if policy.two_from_cents is not None and total_cents >= policy.two_from_cents:
        because = "amount"
    elif policy.bypassed_batches and batches:
        because = "bypassed_batch"
    else:
        because = None
    return ApprovalsNeeded(
        required=MOST_APPROVALS if because else 1,
        because=because,
        policy=policy,
        total_cents=total_cents,
        batches=batches,
    )


def already_approved_by_you(approver, approvals):
    """Refuses a second approval by an admin who approved the request already: two
    approvals are two different admins'."""
    mine = next((a for a in approvals if a.approver_id == approver.pk), None)
    if mine is None:
        return None
    return Refusal(
        "already_approved_by_you",
        f"{approver.email} approved this request already, at {mine.at:%Y-%m-%d %H:%M} UTC. "
        "It needs a second approval by another admin of the account; ask one of them.",
        {"approved_at": mine.at.isoformat()},
    )


def admin_cancel_refused(request, approvals):
    """Refuses a tenant admin's cancel of a request that is not awaiting its second
    approval: until an admin has approved, support cancels it."""
    if request.status == RequestStatus.PENDING and approvals:
        return None
    return Refusal(
        "request_not_awaiting_approval",
        "Only a request that one admin has approved and that waits for a second can be "
        "cancelled here. Ask support to cancel any other.",
        {"status": request.status},
    )


def policy_invalid(two_from_cents):
    """Refuses an amount that is not a positive number of cents."""
    if two_from_cents is None or (
        isinstance(two_from_cents, int)
        and not isinstance(two_from_cents, bool)
        and two_from_cents > 0
    ):
        return None
    return Refusal(
        "invalid",
        "The request is not valid: the amount is more than zero, in the account's currency.",
        {"two_from": "The amount is more than zero."},
    )


def loosens(old, new):
    """Whether changing the policy `old` to `new` lets any unlock through with fewer
    approvals (it lowers the policy): a higher amount, the amount or the batch rule
    switched off. A lower amount, or a part switched on, asks more and tightens it."""
    if old.two_from_cents is not None and (
        new.two_from_cents is None or new.two_from_cents > old.two_from_cents
    ):
        return True
    return old.bypassed_batches and not new.bypassed_batches


def too_few_admins(new, admins_count, tenant_name):
    """Refuses turning on a policy that asks two admins of an account with fewer."""
    if not new.on or admins_count >= MOST_APPROVALS:
        return None
    return Refusal(
        "too_few_admins",
        f"{tenant_name} has {admins_count} admin{'' if admins_count == 1 else 's'}: two "
        "approvals need two admins. Make another person an admin of the account first.",
        {"admins": admins_count},
    )


def policy_change_expired(change, now):
    return change.proposed_at + POLICY_CHANGE_LIFETIME <= now


def policy_change_refused(change, admin, now):
    """Refuses approving a policy change that no longer waits, or by the admin who asked
    for it: loosening the policy takes a second admin."""
    if change.status != "pending" or policy_change_expired(change, now):
        return Refusal(
            "policy_change_not_pending",
            "That change no longer waits for approval: it was applied, withdrawn, replaced "
            "or not approved in time. Reload the page to see the policy as it is.",
            {"status": change.status},
        )
    if change.proposed_by_id == admin.pk:
        return Refusal(
            "already_approved_by_you",
            "You asked for this change, so another admin of the account must approve it: "
            "loosening the policy takes two admins, as the approvals it guards do.",
        )
    return None
