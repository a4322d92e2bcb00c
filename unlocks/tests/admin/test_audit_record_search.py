"""The console's audit trail finds a transaction that was unlocked with its batch."""

from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def test_searching_the_trail_for_a_transaction_finds_its_unlock_with_the_batch(
    agent_client, tenant, admin
):
    batch = f.bypassed_batch(tenant, invoices=2)
    invoice = batch.invoice_set.order_by("number").first()
    request = verify(open_for(tenant, batch), admin)

    response = agent_client.get(f"/admin/audit/auditentry/?q={invoice.number}")

    assert response.status_code == 200
    [entry] = [e for e in response.context["cl"].result_list if e.action == "record_unlocked"]
    assert (entry.target_type, entry.target_number) == ("invoice", invoice.number)
    assert (entry.state_before, entry.state_after) == ("bypassed", "open")
    assert entry.request_id == request.pk
