"""The bench's data generator, at a tiny scale: right counts, chains that verify."""

import pytest
from django.db import connection

from accounts.models import Tenant
from audit.actors import Actor
from audit.models import AuditEntry
from audit.selectors import verify_chain
from audit.services import record_entry
from bench import generate, measure
from bench.plan import plan_for
from bench.progress import Progress
from unlocks.models import Batch, ExportRecord, Invoice, LockState, Payment, UnlockRequest

TINY = 0.0002


@pytest.fixture
def plans(db):
    plans = plan_for(TINY)
    generate.generate(plans)
    return plans


def test_it_writes_what_the_plan_says_for_each_tenant(plans):
    for tplan in plans:
        tenant = Tenant.objects.get(slug=tplan.slug)
        assert Invoice.objects.filter(tenant=tenant).count() == tplan.invoices
        assert Payment.objects.filter(tenant=tenant).count() == tplan.payments
        assert Batch.objects.filter(tenant=tenant).count() == tplan.batches
        assert AuditEntry.objects.filter(tenant=tenant).count() == tplan.audit_entries
        assert UnlockRequest.objects.filter(tenant=tenant).count() == tplan.requests


def test_exported_transactions_have_an_export_history(plans):
    exported = Invoice.objects.filter(state=LockState.EXPORTED)
    assert exported.exists()
    assert ExportRecord.objects.filter(invoice__in=exported).count() == exported.count()


def test_the_hash_chains_it_writes_verify(plans):
    for tplan in plans:
        report = verify_chain(tenant=Tenant.objects.get(slug=tplan.slug))
        assert (report.ok, report.entries) == (True, tplan.audit_entries)


def test_the_app_appends_to_a_generated_chain(plans):
    tenant = Tenant.objects.get(slug=plans[0].slug)
    entry = record_entry(tenant=tenant, action="pin_set", actor=Actor.system())
    assert entry.seq == plans[0].audit_entries + 1
    assert verify_chain(tenant=tenant).ok


def test_it_knows_the_data_it_wrote_and_the_data_it_did_not(plans):
    assert generate.existing_matches(plans)
    assert not generate.existing_matches(plan_for(TINY * 2))


def test_bulk_unlock_costs_the_same_queries_at_every_size_but_its_audit_inserts(plans):
    big = plans[0]
    results = measure.bulk_unlock(big, Progress("bulk", 1, out=None))
    assert [r["size"] for r in results] == list(big.bulk_sizes)
    assert len({r["queries"] - r["inserts"] for r in results}) == 1
    assert all(r["inserts"] >= 1 for r in results)


def test_it_refuses_to_wipe_a_database_not_made_for_the_bench(db, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "unlockdesk")
    with pytest.raises(RuntimeError, match="Refusing to wipe"):
        generate.wipe()
