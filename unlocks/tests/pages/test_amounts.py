"""The PIN page, the receipt and the requests list say how much of the books an unlock
reopens, and what each record is: customer, amount and date."""

from datetime import date

from accounts.models import Tenant
from unlocks import platform
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify
from unlocks.tests.pages.conftest import approve_path


def jones_batch(tenant):
    """Like the demo's B-1001: 3 records, $1,637.50 in all."""
    batch = platform.create_batch(tenant=tenant, number="B-1001")
    for record_type, number, customer, cents in (
        ("invoice", "INV-1001", "Jones Residence", 41000),
        ("invoice", "INV-1002", "Maple Street Dental", 81750),
        ("payment", "PAY-1001", "Jones Residence", 41000),
    ):
        platform.create_transaction(
            tenant=tenant,
            record_type=record_type,
            number=number,
            batch=batch,
            amount_cents=cents,
            customer=customer,
        )
    return platform.bypass_batch(batch=batch)


def test_the_pin_page_says_how_much_approving_reopens(client, admin, tenant):
    unlock = open_for(tenant, jones_batch(tenant))
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert "<strong>3 records, $1,637.50 in all</strong>" in page
    assert '<p class="target-money" data-money>3 transactions, $1,637.50</p>' in page


def test_the_pin_page_shows_each_transactions_customer_amount_and_date(client, admin, tenant):
    invoice = f.imported_invoice(
        tenant, amount_cents=41000, customer="Jones Residence", date=date(2026, 11, 3)
    )
    payment = f.imported_payment(tenant, amount_cents=20000, date=date(2026, 11, 25))
    unlock = open_for(tenant, invoice, payment)
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert "Jones Residence · $410.00 · issued 2026-11-03" in page
    assert "$200.00 · paid 2026-11-25" in page
    assert "2 records, $610.00 in all" in page


def test_the_pin_page_escapes_a_customers_name(client, admin, tenant):
    invoice = f.imported_invoice(tenant, amount_cents=100, customer="<b>Tom & Jerry</b>")
    client.force_login(admin)

    page = client.get(approve_path(open_for(tenant, invoice))).content.decode()

    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; · $1.00" in page
    assert "<b>Tom" not in page


def test_the_pin_page_writes_the_tenants_currency(client, admin, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(currency="EUR")
    unlock = open_for(tenant, jones_batch(tenant))
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert "3 records, €1,637.50 in all" in page


def test_the_receipt_shows_what_was_reopened_and_each_records_money(client, admin, tenant):
    invoice = f.imported_invoice(tenant, amount_cents=9900, customer="Cedar Lane School")
    unlock = verify(open_for(tenant, jones_batch(tenant), invoice), admin)
    client.force_login(admin)

    page = client.get(f"/receipts/{unlock.pk}/").content.decode()

    assert "<strong>4 records, $1,736.50 in all</strong>" in page
    assert '<p class="target-money" data-money>3 transactions, $1,637.50</p>' in page
    assert "Cedar Lane School · $99.00 · issued" in page


def test_the_requests_list_says_what_each_request_puts_at_stake(client, admin, tenant):
    open_for(tenant, jones_batch(tenant))
    client.force_login(admin)

    page = client.get("/requests/").content.decode()

    assert '<p class="target-money" data-stake>3 records, $1,637.50 in all</p>' in page


def test_the_records_page_says_what_a_record_is_in_the_tenants_currency(client, admin, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(currency="CAD")
    jones_batch(tenant)
    client.force_login(admin)

    batch = client.get("/records/", {"number": "B-1001"}).content.decode()
    invoice = client.get("/records/", {"number": "INV-1002"}).content.decode()

    assert "3 transactions, CA$1,637.50" in batch
    assert '<td class="num">CA$817.50</td>' in batch
    assert "Maple Street Dental · CA$817.50 · issued" in invoice
