"""Records found by their tenant's slug come with the tenant, in one query per type."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory
from core.refusals import Refusal
from unlocks.selectors import find_records, find_records_named
from unlocks.tests import factories as f


@pytest.fixture
def birch(db):
    return TenantFactory(slug="birch")


def test_it_finds_records_with_their_tenant_in_one_query_per_type_named(tenant):
    batch = f.bypassed_batch(tenant, invoices=1)
    invoice = f.imported_invoice(tenant)
    specs = [("invoice", invoice.number), ("batch", batch.number), ("payment", "PAY-0")]

    with CaptureQueriesContext(connection) as queries:
        found, records, missing = find_records_named(tenant_slug="acme", specs=specs)

    assert len(queries) == 3  # batch, invoice, payment: no query for the tenant
    assert found == tenant
    assert [(r.record_type, r.number) for r in records] == specs[:2]
    assert all(r.tenant == tenant for r in records)
    assert missing == [("payment", "PAY-0")]
    # The same records, batch and export history as the read by tenant gives.
    by_id, _ = find_records(tenant=tenant, specs=specs)

    def seen(record):
        return (
            record.pk,
            getattr(record, "batch_id", None),
            getattr(record, "has_export_history", None),
        )

    assert [seen(r) for r in records] == [seen(r) for r in by_id]


def test_a_tenant_without_those_records_is_read_on_its_own(tenant):
    found, records, missing = find_records_named(tenant_slug="acme", specs=[("batch", "B-0")])

    assert found == tenant
    assert records == [] and missing == [("batch", "B-0")]


def test_another_tenants_record_is_not_found_by_this_slug(tenant, birch):
    theirs = f.imported_invoice(birch)

    found, records, missing = find_records_named(
        tenant_slug="acme", specs=[("invoice", theirs.number)]
    )

    assert found == tenant and records == []
    assert missing == [("invoice", theirs.number)]


@pytest.mark.parametrize("slug", ["nobody", "acme\x00", "a" * 64, 7])
def test_an_unknown_or_impossible_slug_is_refused_as_unknown_tenant(tenant, slug):
    f.imported_invoice(tenant)
    with pytest.raises(Refusal) as refused:
        find_records_named(tenant_slug=slug, specs=[("invoice", "INV-1")])
    assert refused.value.code == "unknown_tenant"
