"""Each of SPEC's rules, decided by unlocks.rules over rows and facts: no database."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.test import override_settings

from accounts.models import Membership, Role, Tenant
from unlocks import rules
from unlocks.models import Batch, ConsentText, Invoice, Payment, UnlockRequest
from unlocks.states import LockState, RequestStatus

NOW = datetime(2026, 12, 2, 6, 35, tzinfo=UTC)
ACME = Tenant(pk=1, slug="acme-hvac", name="Acme HVAC")


def batch(state, pk=10, number="B-1001"):
    return Batch(pk=pk, tenant=ACME, number=number, state=state)


def invoice(state, pk=20, number="INV-1001", batch=None):
    return Invoice(pk=pk, tenant=ACME, number=number, state=state, batch=batch)


def codes(record, facts=None):
    return [r.code for r in rules.refusals_for(record, facts or rules.Facts())]


# ---------------------------------------------------------------- 1. exported is final


def test_rule_1_an_exported_batch_is_refused_with_the_route_to_bypass_its_transactions():
    facts = rules.Facts(batch_contents={10: {"invoices": ["INV-1003"], "payments": ["PAY-1002"]}})

    [refusal] = rules.refusals_for(batch(LockState.EXPORTED), facts)

    assert refusal.code == "exported_batch"
    assert "Bypass the invoices and payments in it instead (INV-1003, PAY-1002)" in refusal.message
    assert refusal.details["invoices"] == ["INV-1003"]


def test_rule_1_an_exported_invoice_or_payment_is_refused_with_the_route_to_bypass_it():
    payment = Payment(pk=30, tenant=ACME, number="PAY-7", state=LockState.EXPORTED)

    assert codes(invoice(LockState.EXPORTED)) == ["exported_record"]
    assert codes(payment) == ["exported_record"]
    assert "Bypass the payment first" in rules.refusals_for(payment, rules.Facts())[0].message


# ---------------------------------------------------------------- 2. nothing in the batch exported


def test_rule_2_a_bypassed_batch_with_an_exported_transaction_is_refused_naming_it():
    facts = rules.Facts(batch_exported={10: {"invoices": ["INV-1002"], "payments": []}})

    [refusal] = rules.refusals_for(batch(LockState.BYPASSED), facts)

    assert refusal.code == "transactions_exported"
    assert "INV-1002 in it was already exported" in refusal.message


def test_rule_2_a_bypassed_batch_whose_transactions_were_never_exported_passes():
    facts = rules.Facts(batch_exported={10: {"invoices": [], "payments": []}})

    assert codes(batch(LockState.BYPASSED), facts) == []


# ---------------------------------------------------------------- 3. only locked records


@pytest.mark.parametrize("record", [batch(LockState.OPEN), invoice(LockState.OPEN)])
def test_rule_3_an_open_record_is_refused(record):
    assert codes(record) == ["not_locked"]


@pytest.mark.parametrize("state", [LockState.BYPASSED, LockState.IMPORTED])
def test_rule_3_a_bypassed_or_imported_transaction_passes(state):
    assert codes(invoice(state)) == []


# ---------------------------------------------------------------- 4. duplicate risk


def test_rule_4_a_bypassed_batch_and_a_once_exported_transaction_carry_the_risk():
    facts = rules.Facts(exported_history={("invoice", 20)})

    assert rules.warnings_for(batch(LockState.BYPASSED), facts) == ["duplicate_risk"]
    assert rules.warnings_for(invoice(LockState.BYPASSED), facts) == ["duplicate_risk"]
    assert rules.warnings_for(invoice(LockState.IMPORTED, pk=21), facts) == []


def test_rule_4_the_acknowledgement_is_asked_for_the_risk_as_it_is_now():
    risky = [SimpleNamespace(type="invoice", number="INV-1001", warnings=["duplicate_risk"])]
    calm = [SimpleNamespace(type="invoice", number="INV-1001", warnings=[])]

    refusal = rules.duplicate_risk_not_acknowledged(risky, acknowledged=False)
    assert refusal.code == "duplicate_risk_not_acknowledged"
    assert refusal.details == {"targets": [{"type": "invoice", "number": "INV-1001"}]}
    assert rules.duplicate_risk_not_acknowledged(risky, acknowledged=True) is None
    # Only the JSON true acknowledges: not "yes", not 1.
    assert rules.duplicate_risk_not_acknowledged(risky, acknowledged=1) is not None
    assert rules.duplicate_risk_not_acknowledged(calm, acknowledged=False) is None
    assert rules.needs_duplicate_risk_ack(risky) and not rules.needs_duplicate_risk_ack(calm)


# ---------------------------------------------------------------- 5. an admin authorises


def test_rule_5_only_an_admin_membership_read_now_may_approve():
    admin = Membership(tenant=ACME, role=Role.ADMIN)
    member = Membership(tenant=ACME, role=Role.MEMBER)

    assert rules.not_tenant_admin(ACME, "pat@acme.example", admin) is None
    refusal = rules.not_tenant_admin(ACME, "dana@acme.example", member)
    assert refusal.code == "not_tenant_admin"
    assert refusal.message.startswith("dana@acme.example is not an admin of Acme HVAC now.")
    assert rules.not_tenant_admin(ACME, "", None).message.startswith("That person")
    assert rules.is_tenant_admin(admin) and not rules.is_tenant_admin(member)


# ---------------------------------------------------------------- 6. the PIN and its lock-out


def test_rule_6_the_pin_is_locked_until_its_time_and_not_a_moment_after():
    tenant = SimpleNamespace(pin_locked_until=NOW + timedelta(minutes=12))

    assert rules.pin_locked_now(tenant, NOW)
    assert not rules.pin_locked_now(tenant, NOW + timedelta(minutes=12))
    assert not rules.pin_locked_now(SimpleNamespace(pin_locked_until=None), NOW)
    refusal = rules.pin_locked(tenant, NOW)
    assert refusal.code == "pin_locked"
    assert refusal.details["retry_after"] == 12 * 60
    assert "locked until 06:47 UTC" in refusal.message


def test_rule_6_a_tenant_without_a_pin_cannot_approve():
    assert rules.pin_not_set(Tenant(name="Birch", pin_hash="")).code == "pin_not_set"
    assert rules.pin_not_set(Tenant(name="Birch", pin_hash="argon2$...")) is None


@override_settings(
    PIN_MAX_FAILURES=5,
    PIN_FAILURE_WINDOW=timedelta(minutes=15),
    PIN_LOCK_DURATION=timedelta(minutes=15),
)
def test_rule_6_the_fifth_wrong_pin_within_the_window_locks_for_the_lock_time():
    old = (NOW - timedelta(minutes=16)).isoformat()
    recent = [(NOW - timedelta(minutes=m)).isoformat() for m in (1, 2, 3)]

    first = rules.wrong_pin(tenant_with([old]), NOW)
    assert (len(first.failures), first.attempts_left, first.locked_until) == (1, 4, None)
    fourth = rules.wrong_pin(tenant_with(recent), NOW)
    assert (fourth.attempts_left, fourth.locked_until) == (1, None)
    assert rules.pin_incorrect(1).message.startswith("That PIN is not right. 1 try is left")
    fifth = rules.wrong_pin(tenant_with([*recent, NOW.isoformat()]), NOW)
    assert (fifth.attempts_left, fifth.locked_until) == (0, NOW + timedelta(minutes=15))
    assert fifth.locks_in_a_row == 1
    assert rules.failures_in_window([old, *recent], NOW) == recent


def tenant_with(failures, last_locked_at=None, locks_in_a_row=0):
    return Tenant(
        pin_failure_times=failures,
        pin_last_locked_at=last_locked_at,
        pin_locks_in_a_row=locks_in_a_row,
    )


@override_settings(
    PIN_MAX_FAILURES=5,
    PIN_LOCK_DURATION=timedelta(minutes=15),
    PIN_LOCK_GROWS_WITHIN=timedelta(hours=24),
    PIN_LOCK_MAX=timedelta(hours=24),
)
def test_rule_6_each_lock_within_a_day_of_the_last_lasts_twice_as_long_up_to_a_day():
    four = [(NOW - timedelta(minutes=m)).isoformat() for m in (1, 2, 3, 4)]
    lasted = []
    for in_a_row in range(8):
        lock = rules.wrong_pin(
            tenant_with(four, NOW - timedelta(hours=23), in_a_row)
            if in_a_row
            else tenant_with(four),
            NOW,
        )
        assert lock.locks_in_a_row == in_a_row + 1
        lasted.append(lock.locked_until - NOW)
    minutes = [int(d.total_seconds() // 60) for d in lasted]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440]
    # A lock more than a day after the last starts again at 15 minutes.
    fresh = rules.wrong_pin(tenant_with(four, NOW - timedelta(hours=25), 6), NOW)
    assert (fresh.locks_in_a_row, fresh.locked_until - NOW) == (1, timedelta(minutes=15))


# ---------------------------------------------------------------- 7. consent, word for word


def test_rule_7_consent_must_be_accepted_and_name_the_version_in_force():
    consent = ConsentText(version=2, text="...", sha256="ab" * 32)

    def code(accepted, version):
        refusal = rules.consent_not_given(accepted=accepted, version=version, consent=consent)
        return refusal and refusal.code

    assert code(True, 2) is None
    assert code(False, 2) == "consent_required"
    assert code("yes", 2) == "consent_required"
    assert code(True, 1) == "consent_stale"
    assert code(True, True) == "consent_stale"  # True == 1, but names no version


# ---------------------------------------------------------------- 8. what an approval opens


def test_rule_8_an_approval_may_open_bypassed_and_imported_records_and_never_exported():
    assert set(rules.UNLOCKABLE) == {LockState.BYPASSED, LockState.IMPORTED}


# ---------------------------------------------------------------- 9. requests expire


@override_settings(UNLOCK_REQUEST_TTL=timedelta(hours=24))
def test_rule_9_a_pending_request_is_overdue_from_its_expiry_on():
    expires = rules.expires_at(NOW)
    assert expires == NOW + timedelta(hours=24)
    pending = UnlockRequest(status=RequestStatus.PENDING, expires_at=expires)
    completed = UnlockRequest(status=RequestStatus.COMPLETED, expires_at=expires)

    assert not rules.overdue(pending, expires - timedelta(seconds=1))
    assert rules.overdue(pending, expires)
    assert not rules.overdue(completed, expires + timedelta(days=1))
    assert pending.is_overdue_at(expires)


# ---------------------------------------------------------------- 12. a named approver


def test_a_second_factor_is_needed_where_the_tenant_requires_it_or_the_approver_holds_one():
    from unlocks.rules import second_factor_needed

    assert second_factor_needed(tenant_requires=False, approver_factors=set()) is False
    assert second_factor_needed(tenant_requires=True, approver_factors=set()) is True
    assert second_factor_needed(tenant_requires=False, approver_factors={"totp"}) is True
