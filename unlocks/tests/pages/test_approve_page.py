import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from unlocks.consent import current_consent
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.conftest import approve_path


def test_it_shows_who_asked_why_and_what_happens_to_each_target(client, admin, tenant, batch):
    invoice = f.imported_invoice(tenant)
    unlock = open_for(tenant, batch, invoice, reason="Bypassed by mistake", ticket="ZD-77")
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Approve an unlock for Acme" in page
    assert "Dana Ruiz" in page and "dana@acme.test" in page
    assert "Bypassed by mistake" in page and "ZD-77" in page
    assert f"Batch {batch.number}" in page and "Now bypassed" in page
    in_batch = sorted(batch.invoice_set.values_list("number", flat=True)) + list(
        batch.payment_set.values_list("number", flat=True)
    )
    assert f"Goes back to open with its bypassed transactions ({', '.join(in_batch)})" in page
    assert f"Invoice {invoice.number}" in page and "Now imported" in page


def test_it_shows_the_consent_text_in_full_and_its_version(client, admin, unlock):
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode()
    consent = current_consent()
    assert consent.text in page
    assert f'name="consent_version" value="{consent.version}"' in page


def test_it_has_a_labelled_pin_field_that_no_browser_keeps(client, admin, unlock):
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode()
    assert '<label for="id_pin">Account PIN</label>' in page
    assert 'type="password" name="pin"' in page
    assert 'autocomplete="off"' in page and 'inputmode="numeric"' in page
    assert 'aria-describedby="id_pin_helptext"' in page
    assert '<label for="id_consent_accepted">' in page
    assert page.count('type="submit"') == 2  # sign out, and the one button
    assert "Approve and unlock" in page


def test_it_is_never_cached_and_carries_a_csrf_token(client, admin, unlock):
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert "no-store" in response["Cache-Control"]
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_it_uses_no_inline_script_or_styles_and_only_the_every_page_script(client, admin, unlock):
    # The page works without script; every-page.js only sends the browser's time zone and
    # keeps the form from being sent twice.
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode().lower()
    assert "style=" not in page and "onclick" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/every-page.js" defer>']


def test_it_warns_of_the_duplicate_risk_and_recommends_adding_by_hand(client, admin, unlock):
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode()
    assert "Risk of duplicate entries" in page
    assert "add the items manually in your accounting software" in page
    assert 'name="duplicate_risk_acknowledged"' in page


def test_it_asks_no_duplicate_risk_acknowledgement_where_none_is_carried(
    client, admin, plain_unlock
):
    client.force_login(admin)
    page = client.get(approve_path(plain_unlock)).content.decode()
    assert "Risk of duplicate entries" not in page
    assert 'name="duplicate_risk_acknowledged"' not in page


def test_it_shows_a_record_that_changed_since_opening_as_it_is_now(client, admin, tenant):
    invoice = f.imported_invoice(tenant)
    unlock = open_for(tenant, invoice)
    invoice.state = "open"
    invoice.save()
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode()
    assert "Now open" in page and "approving refuses the request" in page


def test_it_reads_the_page_in_a_fixed_number_of_queries(client, admin, tenant):
    records = [f.bypassed_batch(tenant, invoices=3) for _ in range(3)]
    records += [f.imported_invoice(tenant) for _ in range(3)]
    unlock = open_for(tenant, *records)
    client.force_login(admin)
    path = approve_path(unlock)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    # session + user, request + targets, membership (with its role), consent, batch contents
    # x2, and the rules' judgement of the targets now: batches, invoices with their export
    # history, the batches' exported transactions x2; the approver's second factors; the
    # request's approvals; the
    # header's question: does the person administer an account?
    assert len(queries) == 15, [q["sql"] for q in queries]


def test_it_warns_when_a_batch_now_holds_an_exported_transaction(client, admin, tenant):
    from unlocks import platform

    batch = f.bypassed_batch(tenant, invoices=1)
    unlock = open_for(tenant, batch)
    old = f.exported_batch(tenant, invoices=1)
    moved = platform.bypass_transaction(record=old.invoice_set.get())
    platform.move_to_batch(record=moved, batch=batch)
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert f"{moved.number} in it was already exported" in page
    assert "approving refuses the request" in page


def test_it_flags_a_record_whose_duplicate_risk_appeared_after_opening(client, admin, tenant):
    from unlocks import platform
    from unlocks.models import Invoice
    from unlocks.tests.conftest import verify

    # Opened while imported and never exported: no duplicate risk at opening.
    invoice = f.imported_invoice(tenant)
    unlock = open_for(tenant, invoice)
    # Meanwhile another request unlocks it, and the platform exports and bypasses it.
    verify(open_for(tenant, invoice), admin)
    batch = f.open_batch(tenant, invoices=0)
    invoice = platform.move_to_batch(record=invoice, batch=batch)
    platform.export_batch(batch=batch)
    platform.bypass_transaction(record=Invoice.objects.get(pk=invoice.pk))

    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert [t["duplicate_risk"] for t in response.context["targets"]] == [True]
    assert 'name="duplicate_risk_acknowledged"' in response.content.decode()
