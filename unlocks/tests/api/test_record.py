from django.db import connection
from django.test.utils import CaptureQueriesContext

from unlocks.tests.api.conftest import error, open_request


def test_it_shows_a_transaction_exported_before_and_bypassed_now(api):
    response = api.get("/api/v1/tenants/acme/records/invoice/INV-1005/")

    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "invoice"
    assert data["number"] == "INV-1005"
    assert data["state"] == "bypassed"
    assert data["locked"] is True
    assert data["batch"] == "B-1003"
    assert [(e["batch"], e["system"]) for e in data["exports"]] == [("B-0999", "QuickBooks Online")]
    assert data["exports"][0]["external_id"]
    assert data["exports"][0]["at"]
    assert data["open_requests"] == []


def test_it_shows_a_batch_with_its_open_requests(api):
    opened = open_request(api, ("batch", "B-1001"))

    data = api.get("/api/v1/tenants/acme/records/batch/B-1001/").json()

    assert data["state"] == "bypassed"
    assert data["batch"] is None
    assert data["exports"] == []
    assert data["open_requests"] == [opened["id"]]


def test_it_shows_an_open_record_as_not_locked(api):
    data = api.get("/api/v1/tenants/acme/records/invoice/INV-2002/").json()

    assert data["locked"] is False


def test_it_answers_404_for_an_unknown_tenant(api):
    response = api.get("/api/v1/tenants/nobody/records/batch/B-1001/")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"


def test_it_answers_404_for_an_unknown_record(api):
    response = api.get("/api/v1/tenants/acme/records/batch/B-404/")

    assert response.status_code == 404
    assert error(response) == "unknown_record"


def test_it_answers_404_for_a_number_with_a_nul_character(api):
    response = api.get("/api/v1/tenants/acme/records/invoice/INV-1005%00/")

    assert response.status_code == 404
    assert error(response) == "unknown_record"


def test_it_does_not_show_another_tenants_record(api):
    response = api.get("/api/v1/tenants/acme/records/invoice/INV-3001/")

    assert response.status_code == 404
    assert error(response) == "unknown_record"


def test_it_answers_404_for_an_unknown_record_type(api):
    response = api.get("/api/v1/tenants/acme/records/receipt/R-1/")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_it_says_the_record_type_must_be_batch_invoice_or_payment(api):
    response = api.get("/api/v1/tenants/acme/records/widget/X/")

    assert response.status_code == 404
    assert error(response) == "not_found"
    assert "must be batch, invoice or payment" in response.json()["error"]["message"]
    assert response.json()["error"]["details"] == {"type": "widget"}


def test_it_lists_only_the_pending_requests_of_a_transaction(api):
    cancelled = open_request(api, ("invoice", "INV-1005"))
    api.post(
        f"/api/v1/unlock-requests/{cancelled['id']}/cancel/",
        {"reason": "Opened by mistake"},
        format="json",
    )
    pending = open_request(api, ("invoice", "INV-1005"))

    data = api.get("/api/v1/tenants/acme/records/invoice/INV-1005/").json()

    assert data["open_requests"] == [pending["id"]]
    assert data["batch"] == "B-1003"


def test_a_found_record_takes_four_queries(api):
    api.get("/api/v1/tenants/acme/records/invoice/INV-1005/")
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/tenants/acme/records/invoice/INV-1005/")
    assert response.status_code == 200
    # the API client, the record with its batch, its exports, its pending requests
    assert len(queries) == 4, [q["sql"] for q in queries]
