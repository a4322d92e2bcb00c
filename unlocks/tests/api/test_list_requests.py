from django.db import connection
from django.test.utils import CaptureQueriesContext

from unlocks.tests.api.conftest import error, open_request


def test_it_lists_requests_newest_first_in_pages(api):
    first = open_request(api, ("batch", "B-1001"))
    second = open_request(api, ("invoice", "INV-2001"))

    response = api.get("/api/v1/unlock-requests/")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert data["next"] is None
    assert data["previous"] is None
    assert [r["id"] for r in data["results"]] == [second["id"], first["id"]]


def test_it_filters_by_tenant_status_and_ticket(api):
    wanted = open_request(api, ("batch", "B-1001"), ticket="ZD-1")
    open_request(api, ("invoice", "INV-2001"), ticket="ZD-2")
    open_request(
        api,
        ("batch", "B-2001"),
        tenant="birch",
        ticket="ZD-1",
        caller={"name": "Kim", "email": "kim@birch.test"},
    )

    response = api.get("/api/v1/unlock-requests/?tenant=acme&status=pending&ticket=ZD-1")

    assert [r["id"] for r in response.json()["results"]] == [wanted["id"]]


def test_it_links_to_the_next_page(api):
    for pair in [("batch", "B-1001"), ("invoice", "INV-2001"), ("payment", "PAY-2001")]:
        open_request(api, pair)

    response = api.get("/api/v1/unlock-requests/?page_size=2")

    data = response.json()
    assert data["count"] == 3
    assert len(data["results"]) == 2
    assert "page=2" in data["next"]


def test_its_query_count_does_not_grow_with_the_page(api):
    pairs = [
        ("batch", "B-1001"),
        ("invoice", "INV-2001"),
        ("payment", "PAY-2001"),
        ("payment", "PAY-2002"),
        ("invoice", "INV-1004"),
    ]
    for pair in pairs:
        open_request(api, pair)

    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/unlock-requests/?page_size=1").json()["results"]) == 1
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/unlock-requests/?page_size=5").json()["results"]) == 5

    assert len(five) == len(one)


def test_it_answers_404_for_an_unknown_tenant(api):
    response = api.get("/api/v1/unlock-requests/?tenant=nobody")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"


def test_it_answers_400_for_an_unknown_status(api):
    response = api.get("/api/v1/unlock-requests/?status=maybe")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "status" in response.json()["error"]["details"]
