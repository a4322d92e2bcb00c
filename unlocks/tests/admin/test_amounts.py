"""The console shows what an agent confirms a record by: customer, amount and date, and a
batch's count and total, on the lookup card, the open form and the request page."""

from datetime import date

from accounts.models import Tenant
from unlocks import platform
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

LOOKUP = "/admin/unlocks/unlockrequest/lookup/"
OPEN = "/admin/unlocks/unlockrequest/open/"


def jones_batch(tenant):
    """Like the demo's B-1001: 3 records, $1,637.50 in all."""
    batch = platform.create_batch(tenant=tenant, number="B-1001")
    for record_type, number, customer, cents, day in (
        ("invoice", "INV-1001", "Jones Residence", 41000, date(2026, 11, 3)),
        ("invoice", "INV-1002", "Maple Street Dental", 81750, date(2026, 11, 5)),
        ("payment", "PAY-1001", "Jones Residence", 41000, date(2026, 11, 10)),
    ):
        platform.create_transaction(
            tenant=tenant,
            record_type=record_type,
            number=number,
            batch=batch,
            amount_cents=cents,
            customer=customer,
            date=day,
        )
    return platform.bypass_batch(batch=batch)


def test_the_lookup_card_of_a_transaction_shows_its_customer_amount_and_date(agent_client, tenant):
    jones_batch(tenant)

    page = agent_client.get(LOOKUP, {"q": "acme INV-1001"}).content.decode()

    assert "<dd data-customer>Jones Residence</dd>" in page
    assert "<dd data-money>$410.00</dd>" in page
    assert "2026-11-03" in page
    # Its batch, with what the batch holds.
    assert "3 transactions, $1,637.50" in page


def test_the_lookup_card_of_a_batch_lists_its_transactions_with_their_amounts(agent_client, tenant):
    jones_batch(tenant)

    response = agent_client.get(LOOKUP, {"q": "acme B-1001"})
    page = response.content.decode()

    assert "<dd data-money>3 transactions, $1,637.50</dd>" in page
    assert (
        '<tr data-member="INV-1002"><td><a class="ud-nowrap" '
        'href="/admin/unlocks/unlockrequest/lookup/?q=acme+INV-1002">INV-1002</a>'
        '<br><small class="ud-who">Maple Street Dental · '
        '<span class="nowrap">2026-11-05</span></small></td><td>invoice</td>'
        '<td class="ud-amount">$817.50</td>' in page
    )
    assert '<th class="ud-amount" data-batch-total>$1,637.50</th>' in page


def test_the_lookup_card_writes_the_tenants_currency(agent_client, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(currency="GBP")
    jones_batch(tenant)

    page = agent_client.get(LOOKUP, {"q": "acme B-1001"}).content.decode()

    assert "£1,637.50" in page and "£817.50" in page and "$" not in page


def test_the_open_form_offers_each_record_with_its_money(agent_client, tenant):
    jones_batch(tenant)

    response = agent_client.get(OPEN, {"tenant": "acme", "record": "invoice:INV-1001"})

    labels = dict(response.context["form"].fields["targets"].choices)
    assert labels["batch:B-1001"] == "B-1001 · batch · bypassed · 3 transactions, $1,637.50"
    assert labels["invoice:INV-1001"] == (
        "INV-1001 · invoice · bypassed · Jones Residence · $410.00 · issued 2026-11-03"
    )
    assert labels["payment:PAY-1001"].endswith("Jones Residence · $410.00 · paid 2026-11-10")


def test_the_open_forms_preview_shows_each_amount_and_the_total(agent_client, tenant):
    jones_batch(tenant)
    data = {
        "tenant": "acme",
        "targets": ["batch:B-1001", "invoice:INV-1001"],
        "more_numbers": "",
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "action": "preview",
    }

    page = agent_client.post(f"{OPEN}?tenant=acme&record=batch:B-1001", data).content.decode()

    assert '<td class="ud-amount">$1,637.50</td>' in page
    assert '<td class="ud-amount">$410.00</td>' in page and "Jones Residence" in page
    # INV-1001 is in B-1001: it counts once.
    assert '<th colspan="4" data-stake>3 records, $1,637.50 in all</th>' in page


def test_the_request_page_lists_the_records_money_and_the_total(agent_client, tenant):
    batch = jones_batch(tenant)
    request = open_for(tenant, batch)

    page = agent_client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/").content.decode()

    assert '<small class="ud-who">3 transactions</small>' in page
    assert '<td class="ud-amount">$1,637.50</td>' in page
    assert '<th colspan="4" data-stake>3 records, $1,637.50 in all</th>' in page


def test_the_record_lists_show_amounts_and_batch_totals(agent_client, tenant):
    batch = jones_batch(tenant)
    invoice = batch.invoice_set.get(number="INV-1001")

    batches = agent_client.get("/admin/unlocks/batch/").content.decode()
    invoices = agent_client.get("/admin/unlocks/invoice/").content.decode()
    one = agent_client.get(f"/admin/unlocks/invoice/{invoice.pk}/change/").content.decode()
    whole = agent_client.get(f"/admin/unlocks/batch/{batch.pk}/change/").content.decode()

    assert '<td class="field-total_display">$1,637.50</td>' in batches
    assert '<td class="field-transaction_count">3</td>' in batches
    assert '<td class="field-amount_display">$410.00</td>' in invoices
    assert "$410.00" in one and "41000" not in one
    assert "$1,637.50" in whole


def test_the_work_queue_gives_each_requests_total(agent_client, tenant, admin):
    pending = open_for(tenant, jones_batch(tenant))
    done = verify(open_for(tenant, f.imported_invoice(tenant, amount_cents=9900)), admin)

    page = agent_client.get("/admin/").content.decode()

    assert f'<tr data-request="{pending.pk}"' in page and f'<tr data-request="{done.pk}">' in page
    assert '<td class="ud-num" data-total>$1,637.50</td>' in page
    assert '<td class="ud-num" data-total>$99.00</td>' in page
