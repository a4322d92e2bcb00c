import pytest

from audit.models import AuditEntry
from core.refusals import Refusal
from unlocks import outlook, platform, services
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for


def refusal_of(call):
    with pytest.raises(Refusal) as info:
        call()
    return info.value


def test_it_opens_a_pending_request_for_a_bypassed_batch(tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=2)
    request = open_for(tenant, batch)
    assert request.status == RequestStatus.PENDING
    [t] = request.targets.all()
    assert (t.record_type, t.number, t.state_at_open) == ("batch", batch.number, "bypassed")
    assert t.warnings == ["duplicate_risk"]
    assert request.expires_at > request.created_at


def test_it_audits_the_opening_in_the_same_transaction(tenant):
    request = open_for(tenant, f.imported_invoice(tenant))
    entry = AuditEntry.objects.get(request_id=request.pk)
    assert entry.action == "request_opened"
    assert entry.actor_label == "agent@support.example"
    assert entry.ip == "10.0.0.9"


@pytest.mark.parametrize(
    "make", [f.imported_invoice, f.imported_payment, f.bypassed_invoice], ids=str
)
def test_it_accepts_locked_transactions(tenant, make):
    record = make(tenant)
    request = open_for(tenant, record)
    assert request.targets.get().warnings == []


def test_it_refuses_an_exported_batch_and_names_what_to_bypass(tenant):
    batch = f.exported_batch(tenant, invoices=2, payments=1)
    refusal = refusal_of(lambda: open_for(tenant, batch))
    assert refusal.code == "exported_batch"
    assert len(refusal.details["invoices"]) == 2
    assert len(refusal.details["payments"]) == 1
    assert "Bypass the invoices and payments" in refusal.message
    assert not UnlockRequest.objects.exists()


def test_it_refuses_an_exported_invoice(tenant):
    batch = f.exported_batch(tenant, invoices=1)
    invoice = batch.invoice_set.get()
    refusal = refusal_of(lambda: open_for(tenant, invoice))
    assert refusal.code == "exported_record"
    assert "Bypass the invoice first" in refusal.message


def test_it_refuses_a_bypassed_batch_with_an_exported_transaction(tenant):
    old = f.exported_batch(tenant, invoices=1)
    moved = platform.bypass_transaction(record=old.invoice_set.get())
    batch = f.open_batch(tenant, invoices=1)
    platform.move_to_batch(record=moved, batch=batch)
    platform.bypass_batch(batch=batch)
    refusal = refusal_of(lambda: open_for(tenant, batch))
    assert refusal.code == "transactions_exported"
    assert refusal.details["invoices"] == [moved.number]


def test_a_transaction_exported_before_carries_a_duplicate_risk(tenant):
    old = f.exported_batch(tenant, invoices=1)
    moved = platform.bypass_transaction(record=old.invoice_set.get())
    request = open_for(tenant, moved)
    assert request.targets.get().warnings == ["duplicate_risk"]


def test_it_refuses_an_open_record(tenant):
    refusal = refusal_of(lambda: open_for(tenant, f.open_invoice(tenant)))
    assert refusal.code == "not_locked"


def test_it_refuses_an_unknown_record(tenant):
    refusal = refusal_of(
        lambda: services.open_request(
            tenant=tenant.slug,
            targets=[{"type": "invoice", "number": "INV-404"}],
            caller_name="D",
            caller_email="d@x.test",
            channel="phone",
            reason="r",
            actor=AGENT,
        )
    )
    assert refusal.code == "unknown_record"


def test_it_refuses_an_unknown_tenant(db):
    refusal = refusal_of(
        lambda: services.open_request(
            tenant="nope",
            targets=[{"type": "invoice", "number": "INV-1"}],
            caller_name="D",
            caller_email="d@x.test",
            channel="phone",
            reason="r",
            actor=AGENT,
        )
    )
    assert refusal.code == "unknown_tenant"


def test_it_does_not_see_another_tenants_records(tenant):
    from accounts.tests.factories import TenantFactory

    other = TenantFactory()
    record = f.imported_invoice(other)
    refusal = refusal_of(lambda: open_for(tenant, record))
    assert refusal.code == "unknown_record"


def test_a_refused_attempt_creates_nothing_and_is_audited(tenant):
    with pytest.raises(Refusal):
        open_for(tenant, f.open_invoice(tenant), f.imported_invoice(tenant))
    assert not UnlockRequest.objects.exists()
    entry = AuditEntry.objects.filter(action="open_refused").get()
    assert entry.code == "not_locked"


def test_a_refusal_says_whether_the_attempt_was_audited(tenant):
    refused = refusal_of(lambda: open_for(tenant, f.open_invoice(tenant)))
    malformed = refusal_of(lambda: open_for(tenant, f.imported_invoice(tenant), reason=" "))
    assert (refused.code, refused.audited) == ("not_locked", True)
    assert (malformed.code, malformed.audited) == ("invalid", False)
    assert AuditEntry.objects.filter(action="open_refused").count() == 1


def test_one_refused_target_refuses_the_whole_request(tenant):
    refusal = refusal_of(
        lambda: open_for(tenant, f.imported_invoice(tenant), f.open_invoice(tenant))
    )
    assert refusal.code == "not_locked"
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"caller_name": ""}, "caller"),
        ({"caller_email": "not-an-email"}, "caller"),
        ({"channel": "fax"}, "channel"),
        ({"reason": "  "}, "reason"),
        ({"ticket": "x" * 101}, "ticket"),
    ],
)
def test_it_rejects_malformed_input(tenant, fields, field):
    refusal = refusal_of(lambda: open_for(tenant, f.imported_invoice(tenant), **fields))
    assert refusal.code == "invalid"
    assert field in refusal.details


@pytest.mark.parametrize(
    "targets",
    [
        [],
        "B-1",
        [{"type": "boat", "number": "B-1"}],
        [{"type": "batch", "number": ""}],
        [{"type": "batch", "number": "B-1"}, {"type": "batch", "number": "B-1"}],
    ],
)
def test_it_rejects_malformed_targets(tenant, targets):
    refusal = refusal_of(
        lambda: services.open_request(
            tenant=tenant.slug,
            targets=targets,
            caller_name="D",
            caller_email="d@x.test",
            channel="phone",
            reason="r",
            actor=AGENT,
        )
    )
    assert refusal.code == "invalid"


def test_it_rejects_too_many_targets(tenant, settings):
    settings.UNLOCK_MAX_TARGETS = 2
    records = [f.imported_invoice(tenant) for _ in range(3)]
    refusal = refusal_of(lambda: open_for(tenant, *records))
    assert refusal.code == "invalid"


def test_it_knows_whether_the_caller_is_a_tenant_admin(tenant, admin, member):
    by_admin = open_for(tenant, f.imported_invoice(tenant), caller_email=admin.email)
    by_member = open_for(tenant, f.imported_invoice(tenant), caller_email=member.email)
    assert by_admin.caller_is_tenant_admin and by_admin.caller_user == admin
    assert not by_member.caller_is_tenant_admin and by_member.caller_user == member


def test_preview_judges_without_creating_anything(tenant):
    good, bad = f.bypassed_batch(tenant), f.open_invoice(tenant)
    preview = outlook.preview(tenant=tenant.slug, targets=[f.target(good), f.target(bad)])
    assert not preview.ok
    assert [r.code for r in preview.refusals] == ["not_locked"]
    assert preview.targets[0].warnings == ["duplicate_risk"]
    assert not UnlockRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["open_refused", "request_opened"]).exists()
