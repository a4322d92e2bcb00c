from unlocks import platform
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.conftest import approval, approve_path


def test_a_record_opened_since_the_request_refuses_it_and_says_why(client, admin, tenant):
    invoice = f.imported_invoice(tenant)
    unlock = open_for(tenant, invoice)
    invoice.state = "open"
    invoice.save()
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 409
    page = response.content.decode()
    assert "This request was refused" in page
    assert f"Invoice {invoice.number} is already open" in page
    unlock.refresh_from_db()
    assert unlock.status == "refused"


def test_a_duplicate_risk_that_arose_since_opening_is_asked_for_then_the_rule_refuses(
    client, admin, tenant
):
    invoice = f.bypassed_invoice(tenant)
    unlock = open_for(tenant, invoice)
    batch = f.open_batch(tenant, invoices=0)
    invoice.batch, invoice.state = batch, "open"
    invoice.save()
    platform.export_batch(batch=batch)
    client.force_login(admin)

    response = client.post(approve_path(unlock), approval(unlock, duplicate_risk_acknowledged=None))
    assert response.status_code == 400
    assert b'name="duplicate_risk_acknowledged"' in response.content

    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 409
    assert f"Invoice {invoice.number} was exported" in response.content.decode()
    unlock.refresh_from_db()
    assert unlock.status == "refused"


def test_a_tenant_without_a_pin_is_told_to_ask_support(client, admin, tenant, unlock):
    tenant.pin_hash = ""
    tenant.save()
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 409
    assert b"has no account PIN yet" in response.content
