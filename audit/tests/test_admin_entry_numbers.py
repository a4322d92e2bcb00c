"""The audit list names each entry with its tenant's chain ("acme #2"): across tenants,
newest first, each tenant's own numbers would read as gaps."""

import re

from accounts.tests.factories import TenantFactory
from unlocks.tests import factories as f


def test_each_entry_is_numbered_in_its_tenants_chain(agent_client, tenant):
    birch = TenantFactory(slug="birch", name="Birch")
    f.imported_invoice(tenant)
    f.imported_invoice(birch)
    f.imported_invoice(tenant)

    page = agent_client.get("/admin/audit/auditentry/").content.decode()

    entries = re.findall(r'<th class="field-entry"><a [^>]*>([^<]+)</a>', page)
    assert entries == ["acme #2", "birch #1", "acme #1"]
