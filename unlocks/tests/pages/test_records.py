"""/records/: "was this exported?" for every user of a tenant, answered as support would."""

from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory, UserFactory, admin_of, member_of
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from unlocks import outlook, platform
from unlocks.links import approval_token
from unlocks.models import ExportRecord, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def look_up(client, number, **params):
    return client.get("/records/", {"number": number, **params})


def page_of(response):
    return response.content.decode()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def exported(tenant):
    batch = platform.create_batch(tenant=tenant, number="B-1002")
    platform.create_transaction(
        tenant=tenant,
        record_type="invoice",
        number="INV-1003",
        batch=batch,
        amount_cents=72000,
        customer="Riverside Cafe",
    )
    platform.create_transaction(
        tenant=tenant, record_type="payment", number="PAY-1002", batch=batch, amount_cents=72000
    )
    return platform.export_batch(batch=batch)


@pytest.fixture
def birch(db):
    return TenantFactory(slug="birch", name="Birch Plumbing")


def test_it_sends_a_visitor_to_sign_in(client):
    response = client.get("/records/?number=B-1002")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/records/")


def test_a_member_sees_an_exported_batch_refused_with_the_route(member, exported):
    response = look_up(signed_in(member), "B-1002")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = page_of(response)
    assert "Batch B-1002" in page
    assert "Refused: exported. Bypass INV-1003 and PAY-1002 instead." in page
    assert 'data-verdict="refused"' in page
    assert "Asking support will not change this answer" in page
    assert 'href="/records/?tenant=acme&amp;number=INV-1003"' in page
    assert "Riverside Cafe" in page and "$720.00" in page


def test_it_says_what_support_would_answer_with_the_agents_own_judgement(member, exported):
    expected = outlook.preview(tenant="acme", targets=[{"type": "batch", "number": "B-1002"}])
    with mock.patch.object(outlook, "preview", wraps=outlook.preview) as preview:
        page = page_of(look_up(signed_in(member), "B-1002"))
    preview.assert_called_once_with(tenant="acme", targets=[{"type": "batch", "number": "B-1002"}])
    assert expected.refusals[0].code == "exported_batch"
    assert expected.refusals[0].message.replace("'", "&#x27;") in page


def test_an_exported_invoice_shows_its_export_history(member, exported, tenant):
    export = ExportRecord.objects.get(invoice__number="INV-1003")
    page = page_of(look_up(signed_in(member), "INV-1003"))
    assert "Invoice INV-1003" in page
    assert "Refused: exported. Bypass INV-1003 first, then ask again." in page
    assert "QuickBooks Online" in page and export.external_id in page
    assert export.exported_at.strftime("%Y-%m-%d %H:%M UTC") in page
    assert 'href="/records/?tenant=acme&amp;number=B-1002"' in page


def test_a_bypassed_batch_would_be_accepted_with_its_duplicate_risk(admin, member, tenant):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    page = page_of(look_up(signed_in(member), batch.number))
    assert 'data-verdict="accepted"' in page
    assert "Accepted: support can unlock it." in page
    assert "Risk of duplicate entries." in page
    assert "3 transactions" in page
    # What to do next, and what to have ready: support, the admin, the PIN, the consent.
    assert "mailto:support@support.example" in page
    assert f"one of your admins, {admin.get_full_name()}, to approve" in page
    assert "approves with the account PIN and accepts the consent text below" in page
    assert "We are confirming that this action is being taken at your direction" in page


def test_a_bypassed_batch_with_an_exported_transaction_names_the_others(member, tenant):
    earlier = f.exported_batch(tenant, invoices=1)
    exported_once = platform.bypass_transaction(record=earlier.invoice_set.get())
    batch = platform.create_batch(tenant=tenant, number="B-1003")
    other = f.open_invoice(tenant, batch=batch)
    platform.move_to_batch(record=exported_once, batch=batch)
    platform.bypass_batch(batch=batch)
    page = page_of(look_up(signed_in(member), "B-1003"))
    assert (
        f"Refused: {exported_once.number} in it was exported. Ask for {other.number} one by one "
        "instead." in page
    )


def test_an_open_record_has_nothing_to_unlock(member, tenant):
    record = f.open_invoice(tenant)
    page = page_of(look_up(signed_in(member), record.number))
    assert "Nothing to unlock: it is open already." in page
    assert "Nothing: it is open, so you can edit it now." in page


def test_it_finds_a_number_typed_in_lower_case(member, exported):
    assert "Batch B-1002" in page_of(look_up(signed_in(member), " b-1002 "))


def test_admins_get_links_to_approve_and_receipts_and_members_see_the_requests(
    admin, member, tenant
):
    record = f.imported_invoice(tenant)
    done = open_for(tenant, record)
    verify(done, admin)
    # Locked again since (as the platform would), and asked about once more.
    type(record).objects.filter(pk=record.pk).update(state="imported")
    pending = open_for(tenant, record)

    admins_page = page_of(look_up(signed_in(admin), record.number))
    assert f"/approve/{approval_token(pending)}/" in admins_page
    assert f"/receipts/{done.pk}/" in admins_page
    assert "already waiting for an admin" in admins_page

    members_page = page_of(look_up(signed_in(member), record.number))
    assert "Pending" in members_page and "Unlocked until" in members_page
    assert "/approve/" not in members_page and "/receipts/" not in members_page


def test_nothing_is_created_by_a_lookup(member, exported, tenant):
    counts = (AuditEntry.objects.count(), OutboxMessage.objects.count())
    for number in ("B-1002", "INV-1003", "PAY-1002", "NOPE"):
        look_up(signed_in(member), number)
    assert not UnlockRequest.objects.exists()
    assert (AuditEntry.objects.count(), OutboxMessage.objects.count()) == counts


def test_another_tenants_record_is_not_found(member, birch, exported):
    theirs = f.bypassed_batch(birch, number="B-9001")
    response = look_up(signed_in(member), theirs.number)
    assert response.status_code == 404
    assert "No record numbered B-9001" in page_of(response)
    assert "Birch" not in page_of(response)

    response = look_up(signed_in(member), theirs.number, tenant="birch")
    assert response.status_code == 404
    assert "We cannot find that account" in page_of(response)
    assert "Birch" not in page_of(response)


def test_another_tenants_admin_cannot_name_this_tenant(birch, exported):
    sam = admin_of(birch, email="sam@birch.test")
    response = look_up(signed_in(sam), "B-1002", tenant="acme")
    assert response.status_code == 404
    assert "Acme" not in page_of(response) and "INV-1003" not in page_of(response)
    response = look_up(signed_in(sam), "B-1002")
    assert response.status_code == 404
    assert "INV-1003" not in page_of(response)


def test_someone_of_several_tenants_searches_them_all_or_one(tenant, birch, exported):
    both = member_of(tenant, email="kit@both.test")
    both.memberships.create(tenant=birch, role="member")
    f.bypassed_batch(birch, number="B-1002")
    page = page_of(look_up(signed_in(both), "B-1002"))
    assert page.count('data-record="B-1002"') == 2
    assert "Acme" in page and "Birch Plumbing" in page
    assert '<select name="tenant"' in page
    only_birch = page_of(look_up(signed_in(both), "B-1002", tenant="birch"))
    assert only_birch.count('data-record="B-1002"') == 1
    assert "Accepted: support can unlock it." in only_birch


def test_support_staff_and_people_of_no_tenant_get_403(db):
    for user in (UserFactory(is_staff=True), UserFactory()):
        response = look_up(signed_in(user), "B-1002")
        assert response.status_code == 403
        assert "You are not part of any customer account" in page_of(response)


def test_an_empty_number_asks_for_one(member):
    response = signed_in(member).get("/records/", {"number": ""})
    assert response.status_code == 400
    assert "Type the number of a batch, an invoice or a payment." in page_of(response)
    assert signed_in(member).get("/records/").status_code == 200


def test_a_batch_of_many_transactions_takes_as_many_queries_as_a_small_one(member, tenant):
    small = f.bypassed_batch(tenant, invoices=2)
    big = f.bypassed_batch(tenant, invoices=30, payments=10)
    client = signed_in(member)
    counts = []
    for batch in (small, big):
        client.get("/records/")
        with CaptureQueriesContext(connection) as queries:
            assert look_up(client, batch.number).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
