from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import TenantFactory, admin_of
from audit.models import AuditEntry
from audit.selectors import verify_chain
from audit.services import ENTRIES_PER_INSERT
from core.refusals import Refusal
from unlocks import platform
from unlocks.models import ConsentText, Invoice, LockState, Payment, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def refusal_of(call):
    with pytest.raises(Refusal) as info:
        call()
    return info.value


def test_it_unlocks_a_bypassed_batch_and_its_transactions(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    request = verify(open_for(tenant, batch), admin)
    assert request.status == RequestStatus.COMPLETED
    assert request.approved_by == admin
    assert request.consent_version == 1 and len(request.consent_sha256) == 64
    batch.refresh_from_db()
    assert batch.state == LockState.OPEN
    assert set(Invoice.objects.filter(batch=batch).values_list("state", flat=True)) == {"open"}
    assert set(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == {"open"}


def test_it_stamps_a_batchs_transactions_with_the_time_of_approval(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    request = verify(open_for(tenant, batch), admin)
    stamps = set(Invoice.objects.filter(batch=batch).values_list("updated_at", flat=True))
    stamps |= set(Payment.objects.filter(batch=batch).values_list("updated_at", flat=True))
    assert stamps == {request.approved_at}


def test_it_lists_a_batchs_unlocked_transactions_in_number_order(tenant, admin):
    batch = f.open_batch(tenant, invoices=0)
    for number in ("INV-30", "INV-10", "INV-20"):
        platform.create_transaction(
            tenant=tenant, record_type="invoice", number=number, batch=batch
        )
    platform.bypass_batch(batch=batch)
    request = verify(open_for(tenant, batch), admin)
    entry = AuditEntry.objects.get(
        request_id=request.pk, action="record_unlocked", target_type="batch"
    )
    assert entry.data["with"] == {"invoices": ["INV-10", "INV-20", "INV-30"], "payments": []}
    carried = AuditEntry.objects.filter(request_id=request.pk, target_type="invoice")
    assert [e.target_number for e in carried.order_by("seq")] == ["INV-10", "INV-20", "INV-30"]


def test_it_unlocks_imported_and_bypassed_transactions(tenant, admin):
    records = [f.imported_invoice(tenant), f.imported_payment(tenant), f.bypassed_invoice(tenant)]
    verify(open_for(tenant, *records), admin)
    for record in records:
        record.refresh_from_db()
        assert record.state == LockState.OPEN


def test_it_audits_approval_and_each_record_unlocked(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2)
    invoice = f.imported_invoice(tenant)
    request = verify(open_for(tenant, batch, invoice), admin)
    entries = AuditEntry.objects.filter(request_id=request.pk).order_by("seq")
    assert [e.action for e in entries] == [
        "request_opened",
        "request_approved",
        "record_unlocked",
        "record_unlocked",
        "record_unlocked",
        "record_unlocked",
    ]
    approved = entries[1]
    assert approved.consent_version == 1 and approved.consent_sha256 == request.consent_sha256
    batch_entry = entries[2]
    assert (batch_entry.target_number, batch_entry.state_before, batch_entry.state_after) == (
        batch.number,
        "bypassed",
        "open",
    )
    assert len(batch_entry.data["with"]["invoices"]) == 2
    assert (entries[3].target_type, entries[3].target_number) == ("invoice", invoice.number)
    # Each transaction that opened with the batch has its own entry, naming the batch.
    carried = list(entries[4:])
    assert sorted(e.target_number for e in carried) == batch_entry.data["with"]["invoices"]
    assert {(e.target_type, e.state_before, e.state_after) for e in carried} == {
        ("invoice", "bypassed", "open")
    }
    assert {e.data["with_batch"] for e in carried} == {batch.number}
    assert verify_chain(tenant=tenant).ok


def test_it_leaves_other_tenants_records_alone(tenant, admin):
    other = TenantFactory()
    theirs = f.bypassed_batch(other, invoices=1, number="B-SAME")
    ours = f.bypassed_batch(tenant, invoices=1, number="B-SAME")
    verify(open_for(tenant, ours), admin)
    theirs.refresh_from_db()
    assert theirs.state == LockState.BYPASSED


def test_it_does_not_open_transactions_of_the_batch_in_other_states(tenant, admin):
    batch = f.open_batch(tenant, invoices=2)
    keep = batch.invoice_set.first()
    platform.bypass_batch(batch=batch)
    Invoice.objects.filter(pk=keep.pk).update(state=LockState.IMPORTED)
    verify(open_for(tenant, batch), admin)
    keep.refresh_from_db()
    assert keep.state == LockState.IMPORTED


def inserts_of_audit_entries(count):
    """How many INSERTs bulk_create needs for `count` entries: ENTRIES_PER_INSERT at a time,
    or fewer where the database allows only so many parameters in one statement (SQLite)."""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    batch = min(ENTRIES_PER_INSERT, connection.ops.bulk_batch_size(fields, [None] * count))
    return -(-count // batch)


def test_unlocking_5_and_5000_transactions_takes_the_same_number_of_queries(tenant, admin):
    counts = []
    sizes = (5, 5000)
    for size in sizes:
        batch = f.open_batch(tenant, invoices=0)
        Invoice.objects.bulk_create(
            Invoice(tenant=tenant, number=f"BULK-{size}-{i}", batch=batch) for i in range(size)
        )
        platform.bypass_batch(batch=batch)
        unlock = open_for(tenant, batch)
        with CaptureQueriesContext(connection) as queries:
            verify(unlock, admin)
        counts.append(len(queries))
        assert Invoice.objects.filter(batch=batch, state="open").count() == size
    # The approval, the batch and each transaction write an entry, ENTRIES_PER_INSERT to a
    # statement; every other statement is the same at both sizes.
    extra = [inserts_of_audit_entries(size + 2) - 1 for size in sizes]
    assert extra[1] > extra[0] == 0
    assert counts[0] - extra[0] == counts[1] - extra[1]


# ------------------------------------------------------------- guards, in API.md's order


def test_it_refuses_a_request_that_is_not_pending(tenant, admin):
    request = verify(open_for(tenant, f.imported_invoice(tenant)), admin)
    refusal = refusal_of(lambda: verify(request, admin))
    assert refusal.code == "request_not_pending"
    assert refusal.details == {"status": "completed"}


def test_it_refuses_a_member(tenant, member):
    request = open_for(tenant, f.imported_invoice(tenant))
    refusal = refusal_of(lambda: verify(request, member))
    assert refusal.code == "not_tenant_admin"
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_refuses_another_tenants_admin(tenant):
    other_admin = admin_of(TenantFactory())
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, other_admin)).code == "not_tenant_admin"


def test_it_refuses_an_admin_demoted_since_the_request_was_opened(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant), caller_email=admin.email)
    admin.memberships.update(role="member")
    assert refusal_of(lambda: verify(request, admin)).code == "not_tenant_admin"


def test_it_refuses_an_inactive_admin(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    admin.is_active = False
    admin.save()
    assert refusal_of(lambda: verify(request, admin)).code == "not_tenant_admin"


def test_a_wrong_pin_is_counted_and_audited(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    refusal = refusal_of(lambda: verify(request, admin, pin="000000"))
    assert refusal.code == "pin_incorrect"
    assert refusal.details == {"attempts_left": 4}
    assert AuditEntry.objects.filter(action="pin_incorrect", request_id=request.pk).count() == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_every_refusal_of_a_verification_is_marked_audited(tenant, admin, member):
    request = open_for(tenant, f.imported_invoice(tenant))
    refusals = [refusal_of(lambda: verify(request, member))]
    refusals += [refusal_of(lambda: verify(request, admin, pin="000000")) for _ in range(5)]
    refusals.append(refusal_of(lambda: verify(request, admin)))
    assert [r.code for r in refusals] == [
        "not_tenant_admin",
        *["pin_incorrect"] * 4,
        *["pin_locked"] * 2,
    ]
    assert all(r.audited for r in refusals)


def test_a_request_refused_at_approval_is_marked_audited(tenant, admin):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    type(invoice).objects.filter(pk=invoice.pk).update(state=LockState.OPEN)
    refusal = refusal_of(lambda: verify(request, admin))
    assert (refusal.code, refusal.audited) == ("not_locked", True)


def test_five_wrong_pins_lock_the_tenant(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    codes = [refusal_of(lambda: verify(request, admin, pin="000000")).code for _ in range(5)]
    assert codes == ["pin_incorrect"] * 4 + ["pin_locked"]
    locked = refusal_of(lambda: verify(request, admin))
    assert locked.code == "pin_locked"
    assert 0 < locked.details["retry_after"] <= 15 * 60
    assert AuditEntry.objects.filter(action="pin_locked").count() == 1


def test_the_pin_lock_covers_every_request_of_the_tenant(tenant, admin):
    first = open_for(tenant, f.imported_invoice(tenant))
    second = open_for(tenant, f.imported_invoice(tenant))
    for _ in range(5):
        refusal_of(lambda: verify(first, admin, pin="000000"))
    assert refusal_of(lambda: verify(second, admin)).code == "pin_locked"


def test_the_pin_lock_ends_after_its_time(tenant, admin, settings):
    request = open_for(tenant, f.imported_invoice(tenant))
    for _ in range(5):
        refusal_of(lambda: verify(request, admin, pin="000000"))
    tenant.refresh_from_db()
    tenant.pin_locked_until = timezone.now() - timedelta(seconds=1)
    tenant.save()
    assert verify(request, admin).status == RequestStatus.COMPLETED


def test_wrong_pins_outside_the_window_do_not_count(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    for _ in range(4):
        refusal_of(lambda: verify(request, admin, pin="000000"))
    tenant.refresh_from_db()
    old = (timezone.now() - timedelta(minutes=16)).isoformat()
    tenant.pin_failure_times = [old] * 4
    tenant.save()
    assert refusal_of(lambda: verify(request, admin, pin="000000")).details == {"attempts_left": 4}


def test_a_right_pin_clears_the_count(tenant, admin):
    first = open_for(tenant, f.imported_invoice(tenant))
    refusal_of(lambda: verify(first, admin, pin="000000"))
    verify(first, admin)
    second = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(second, admin, pin="000000")).details == {"attempts_left": 4}


@pytest.mark.parametrize("pin", [None, 483920, "", "12", "abcdef", "1" * 11])
def test_a_malformed_pin_is_just_a_wrong_pin(tenant, admin, pin):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, pin=pin)).code == "pin_incorrect"


def test_it_refuses_when_the_tenant_has_no_pin(tenant, admin):
    tenant.pin_hash = ""
    tenant.save()
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin)).code == "pin_not_set"


def test_it_requires_consent(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert (
        refusal_of(lambda: verify(request, admin, consent_accepted=False)).code
        == "consent_required"
    )


def test_it_refuses_a_stale_consent_version(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    ConsentText.objects.create(version=2, text="New words.")
    refusal = refusal_of(lambda: verify(request, admin, consent_version=1))
    assert refusal.code == "consent_stale"
    assert refusal.details["current_version"] == 2
    assert verify(request, admin, consent_version=2).consent_version == 2


@pytest.mark.parametrize("said", ["true", "yes", 1, None])
def test_it_takes_only_true_as_consent(tenant, admin, said):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, consent_accepted=said)).code == (
        "consent_required"
    )


def test_it_refuses_true_as_a_consent_version_though_python_counts_it_as_1(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, consent_version=True)).code == (
        "consent_stale"
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_requires_the_duplicate_risk_to_be_acknowledged(tenant, admin):
    request = open_for(tenant, f.bypassed_batch(tenant))
    refusal = refusal_of(lambda: verify(request, admin, duplicate_risk_acknowledged=False))
    assert refusal.code == "duplicate_risk_not_acknowledged"


@pytest.mark.parametrize("said", ["true", "yes", 1])
def test_it_takes_only_true_as_acknowledging_the_duplicate_risk(tenant, admin, said):
    request = open_for(tenant, f.bypassed_batch(tenant))
    refusal = refusal_of(lambda: verify(request, admin, duplicate_risk_acknowledged=said))
    assert refusal.code == "duplicate_risk_not_acknowledged"


def test_no_acknowledgement_is_needed_without_a_duplicate_risk(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert verify(request, admin, duplicate_risk_acknowledged=False).status == "completed"


def test_the_first_failing_guard_answers(tenant, member):
    request = open_for(tenant, f.bypassed_batch(tenant))
    refusal = refusal_of(
        lambda: verify(
            request, member, pin="0000", consent_accepted=False, duplicate_risk_acknowledged=False
        )
    )
    assert refusal.code == "not_tenant_admin"


# ------------------------------------------------------------- rules again at approval


def test_a_record_exported_since_opening_refuses_the_request(tenant, admin):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    Invoice.objects.filter(pk=invoice.pk).update(state=LockState.EXPORTED)
    refusal = refusal_of(lambda: verify(request, admin))
    assert refusal.code == "exported_record"
    request.refresh_from_db()
    assert (request.status, request.refusal_code) == (RequestStatus.REFUSED, "exported_record")
    assert AuditEntry.objects.filter(action="request_refused", request_id=request.pk).exists()


def test_a_record_opened_since_opening_refuses_the_request(tenant, admin):
    invoice = f.imported_invoice(tenant)
    request = open_for(tenant, invoice)
    Invoice.objects.filter(pk=invoice.pk).update(state=LockState.OPEN)
    assert refusal_of(lambda: verify(request, admin)).code == "not_locked"


def test_a_refused_request_unlocks_nothing(tenant, admin):
    good = f.imported_invoice(tenant)
    bad = f.bypassed_invoice(tenant)
    request = open_for(tenant, good, bad)
    Invoice.objects.filter(pk=bad.pk).update(state=LockState.EXPORTED)
    refusal_of(lambda: verify(request, admin))
    good.refresh_from_db()
    assert good.state == LockState.IMPORTED


def test_an_expired_request_cannot_be_approved(tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))
    request.expires_at = timezone.now() - timedelta(seconds=1)
    request.save()
    refusal = refusal_of(lambda: verify(request, admin))
    assert refusal.details == {"status": "expired"}
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED


def test_an_unknown_request_is_not_found(db, admin):
    import uuid

    from unlocks.models import UnlockRequest

    ghost = UnlockRequest(pk=uuid.uuid4())
    assert refusal_of(lambda: verify(ghost, admin)).code == "not_found"


def test_the_receipt_names_what_was_unlocked_and_the_audit_hash(tenant, admin):
    from unlocks.selectors import receipt_for

    batch = f.bypassed_batch(tenant, invoices=1)
    pending = open_for(tenant, batch)
    assert receipt_for(pending) is None
    request = verify(pending, admin)
    receipt = receipt_for(request)
    approval = AuditEntry.objects.get(request_id=request.pk, action="request_approved")
    assert receipt["audit_hash"] == approval.hash
    assert receipt["approver"] == admin
    assert [u["number"] for u in receipt["unlocked"]] == [batch.number]
    assert len(receipt["unlocked"][0]["with"]["invoices"]) == 1


def test_the_unlock_statements_never_open_an_exported_record_even_past_the_rules(
    tenant, admin, monkeypatch
):
    from unlocks import rules

    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    Invoice.objects.filter(pk=invoice.pk).update(state=LockState.EXPORTED)
    # As if a future caller skipped the rules: the bulk statements still refuse to open it.
    monkeypatch.setattr(rules, "refusals_for", lambda record, facts: [])
    verify(request, admin)
    invoice.refresh_from_db()
    assert invoice.state == LockState.EXPORTED
