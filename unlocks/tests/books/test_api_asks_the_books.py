"""The books through the API: preview, open, the request, the record lookup and verify
carry what the customer's QuickBooks holds (SPEC rule 14, API.md "QuickBooks")."""

import pytest

from audit.models import AuditAction, AuditEntry
from unlocks.models import UnlockRequest
from unlocks.tests.api.conftest import error, open_request, targets, verify_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_books(books, tenant, books_company, connect_books):
    """Acme connected to a QuickBooks company in which INV-1001 was keyed in by hand."""
    connect_books(tenant)
    books_company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03", id=145)
    return books_company


def _part(target):
    return target["quickbooks"]


def test_preview_names_what_is_in_quickbooks_per_transaction(api, acme_books):
    response = api.post(
        "/api/v1/unlock-requests/preview/",
        {"tenant": "acme", "targets": targets(("batch", "B-1001"), ("payment", "PAY-2002"))},
        format="json",
    )
    assert response.status_code == 200, response.json()
    batch, payment = response.json()["targets"]
    assert batch["warnings"] == ["duplicate_risk", "found_in_quickbooks"]
    part = _part(batch)
    assert part["status"] == "checked" and part["checked_at"] and part["reason"] == ""
    assert part["found"] == [
        {
            "type": "invoice",
            "number": "INV-1001",
            "quickbooks_id": "145",
            "amount": "410.00",
            "customer": "Jones Residence",
            "date": "2026-11-03",
            "created_at": part["found"][0]["created_at"],
            "by_export": False,
            "match": "number",
        }
    ]
    by_number = {t["number"]: t["quickbooks"]["found"] for t in part["transactions"]}
    assert by_number == {"INV-1001": part["found"], "INV-1002": [], "PAY-1001": []}
    assert payment["warnings"] == [] and _part(payment)["found"] == []


def test_verify_asks_for_the_acknowledgement_then_keeps_what_was_shown(api, acme_books):
    opened = open_request(api, ("batch", "B-1001"))
    assert opened["targets"][0]["quickbooks"]["found"][0]["number"] == "INV-1001"
    url = f"/api/v1/unlock-requests/{opened['id']}/verify/"

    refused = api.post(url, verify_body(), format="json")
    assert refused.status_code == 400
    assert error(refused) == "found_in_quickbooks_unacknowledged"
    assert "INV-1001" in refused.json()["error"]["message"]

    approved = api.post(url, verify_body(found_in_quickbooks_acknowledged=True), format="json")
    assert approved.status_code == 200, approved.json()
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_APPROVED)
    shown = entry.data["quickbooks"]
    assert shown["status"] == "checked" and shown["checked_at"]
    assert shown["records"][0]["number"] == "B-1001"
    assert [f["number"] for f in shown["records"][0]["found"]] == ["INV-1001"]


def test_quickbooks_down_blocks_nothing_and_says_why(api, acme_books):
    opened = open_request(api, ("payment", "PAY-2002"))
    acme_books.next_failures = ["timeout"]
    from django.core.cache import cache

    cache.clear()
    response = api.get(f"/api/v1/unlock-requests/{opened['id']}/")
    part = response.json()["targets"][0]["quickbooks"]
    assert part["status"] == "unavailable" and "did not answer" in part["reason"]
    approved = api.post(
        f"/api/v1/unlock-requests/{opened['id']}/verify/", verify_body(), format="json"
    )
    assert approved.status_code == 200, approved.json()
    shown = AuditEntry.objects.get(action=AuditAction.REQUEST_APPROVED).data["quickbooks"]
    assert shown["status"] == "unavailable" and "did not answer" in shown["reason"]
    assert UnlockRequest.objects.get().status == "completed"


def test_the_record_lookup_says_what_quickbooks_holds(api, acme_books):
    response = api.get("/api/v1/tenants/acme/records/invoice/INV-1001/")
    assert response.status_code == 200
    [found] = response.json()["quickbooks"]["found"]
    assert (found["quickbooks_id"], found["by_export"]) == ("145", False)


def test_a_tenant_without_books_reads_not_connected(api, books, standin):
    response = api.get("/api/v1/tenants/acme/records/invoice/INV-1002/")
    part = response.json()["quickbooks"]
    assert part["status"] == "not_connected" and "Settings, QuickBooks" in part["reason"]


def test_the_closing_date_and_an_edit_after_export(
    api, books, tenant, books_company, connect_books
):
    connect_books(tenant)
    books_company.closing_date = "2026-10-31"
    # INV-1005 went out with B-0999; its QuickBooks copy was changed after that export.
    from unlocks.models import ExportRecord

    export = ExportRecord.objects.get(invoice__number="INV-1005")
    books_company.add_invoice(
        "INV-1005",
        "265.00",
        "Hill House",
        "2026-10-27",
        id=export.external_id,
        updated=export.exported_at.replace(year=export.exported_at.year + 1),
    )
    part = api.get("/api/v1/tenants/acme/records/invoice/INV-1005/").json()["quickbooks"]
    assert part["before_closing_date"] is True
    assert part["edited_after_export"] is True
    assert part["found"][0]["by_export"] is True and part["found"][0]["match"] == "id"


def test_too_many_transactions_are_not_asked_and_it_says_so(api, acme_books, settings):
    settings.QUICKBOOKS_MAX_RECORDS = 2
    response = api.post(
        "/api/v1/unlock-requests/preview/",
        {"tenant": "acme", "targets": targets(("batch", "B-1001"))},
        format="json",
    )
    part = response.json()["targets"][0]["quickbooks"]
    assert part["status"] == "unavailable" and "More than 2 transactions" in part["reason"]
    assert acme_books.kinds_asked() == []
