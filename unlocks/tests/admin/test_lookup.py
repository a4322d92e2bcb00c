from django.utils.html import strip_tags

from accounts.tests.factories import TenantFactory
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

URL = "/admin/unlocks/unlockrequest/lookup/"


def test_it_says_a_bypassed_batch_can_be_unlocked_with_a_duplicate_risk(agent_client, tenant):
    batch = f.bypassed_batch(tenant, invoices=2)
    response = agent_client.get(URL, {"q": f"acme {batch.number}"})
    assert response.status_code == 200
    card = response.context["cards"][0]
    assert card["record"].number == batch.number
    assert card["preview"].ok
    assert card["warnings"] == ["duplicate_risk"]
    assert b"An unlock would be accepted." in response.content
    assert b"Open an unlock request" in response.content


def test_it_names_the_records_to_bypass_for_an_exported_batch(agent_client, tenant):
    batch = f.exported_batch(tenant, invoices=1, payments=1)
    invoice, payment = batch.invoice_set.get(), batch.payment_set.get()
    response = agent_client.get(URL, {"q": batch.number})
    card = response.context["cards"][0]
    assert not card["preview"].ok
    assert card["preview"].refusals[0].code == "exported_batch"
    content = response.content.decode()
    assert "can never be unlocked" in content
    assert "Records to bypass instead" in content
    text = strip_tags(content)
    assert f"Invoice {invoice.number}" in text and f"Payment {payment.number}" in text
    # Each a link to its own card.
    assert f"?q={tenant.slug}+{invoice.number}" in content


def test_it_shows_a_transactions_batch_and_export_history(agent_client, tenant):
    batch = f.exported_batch(tenant, invoices=1)
    invoice = batch.invoice_set.get()
    response = agent_client.get(URL, {"q": f"acme {invoice.number}"})
    card = response.context["cards"][0]
    assert card["batch"] == batch
    assert [e.batch for e in card["record"].export_history] == [batch]
    assert card["preview"].refusals[0].code == "exported_record"
    assert b"Export history" in response.content


def test_it_lists_open_and_past_requests_of_the_record(agent_client, tenant):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    response = agent_client.get(URL, {"q": invoice.number})
    card = response.context["cards"][0]
    assert card["open_requests"] == [request]
    assert card["past_requests"] == []


def test_it_finds_a_number_across_tenants(agent_client, tenant):
    other = TenantFactory(slug="birch")
    f.bypassed_batch(tenant, number="B-77")
    f.bypassed_batch(other, number="B-77")
    response = agent_client.get(URL, {"q": "b-77"})
    assert sorted(c["record"].tenant.slug for c in response.context["cards"]) == ["acme", "birch"]


def test_it_keeps_to_the_tenant_named(agent_client, tenant):
    other = TenantFactory(slug="birch")
    f.bypassed_batch(tenant, number="B-77")
    f.bypassed_batch(other, number="B-77")
    response = agent_client.get(URL, {"q": "birch B-77"})
    assert [c["record"].tenant.slug for c in response.context["cards"]] == ["birch"]


def test_it_says_what_to_do_when_nothing_matches(agent_client, tenant):
    response = agent_client.get(URL, {"q": "acme B-404"})
    assert response.status_code == 200
    assert (
        "No batch, invoice or payment is numbered B-404 in tenant acme"
        in response.context["problem"]
    )


def test_it_says_what_to_do_about_an_unknown_tenant(agent_client, tenant):
    response = agent_client.get(URL, {"q": "nope B-1"})
    assert response.status_code == 200
    assert "There is no tenant with the slug 'nope'" in response.context["problem"]


def test_it_explains_the_search_box_for_a_query_it_cannot_read(agent_client, tenant):
    response = agent_client.get(URL, {"q": "one two three"})
    assert response.status_code == 200
    assert "Type a record number" in response.context["problem"]


def test_a_records_request_history_is_capped_newest_first(tenant, monkeypatch):
    from unlocks import selectors
    from unlocks.selectors import record_by_number

    monkeypatch.setattr(selectors, "REQUEST_HISTORY", 2)
    invoice = f.imported_invoice(tenant)
    opened = [open_for(tenant, invoice) for _ in range(3)]
    record = record_by_number(tenant=tenant, record_type="invoice", number=invoice.number)
    assert [r.pk for r in record.requests] == [opened[2].pk, opened[1].pk]


def test_recording_a_refused_attempt_is_a_secondary_action_after_the_words(agent_client, tenant):
    batch = f.exported_batch(tenant, invoices=1)

    content = agent_client.get(URL, {"q": batch.number}).content.decode()

    verdict = content.split('data-verdict="refused"')[1].split("</section>")[0]
    assert 'class="button ud-secondary"' in verdict and ">Record the refused attempt</a>" in verdict
    assert "ud-primary" not in verdict and "button default" not in verdict
    assert '<small class="ud-code">exported_batch</small></p>' in verdict
