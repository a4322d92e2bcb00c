from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unlocks.models import Invoice
from unlocks.tests.api.conftest import error, open_request


def test_it_lists_a_tenants_entries_oldest_first(api):
    response = api.get("/api/v1/audit/?tenant=acme")

    assert response.status_code == 200
    data = response.json()
    seqs = [e["seq"] for e in data["results"]]
    assert seqs == sorted(seqs)
    assert data["count"] == len(seqs)
    first, second = data["results"][:2]
    assert first["tenant"] == "acme"
    # The first thing that happened to the books: the platform exported B-0999.
    assert first["action"] == "record_exported"
    assert first["target"] == {"type": "batch", "number": "B-0999"}
    assert first["actor"] == {"kind": "system", "label": "platform"}
    assert second["prev_hash"] == first["hash"]
    assert set(first) >= {
        "seq", "at", "tenant", "actor", "action", "target", "request", "data", "hash", "prev_hash"
    }  # fmt: skip


def test_it_filters_by_request_and_action(api):
    opened = open_request(api)

    response = api.get(f"/api/v1/audit/?request={opened['id']}&action=request_opened")

    [entry] = response.json()["results"]
    assert entry["request"] == opened["id"]
    assert entry["actor"] == {"kind": "api_client", "label": "helpdesk-tests"}
    assert entry["data"]["targets"][0]["number"] == "B-1001"


def test_it_filters_by_time(api):
    later = (timezone.now() + timedelta(hours=1)).isoformat()

    assert api.get("/api/v1/audit/", {"since": later}).json()["count"] == 0
    assert api.get("/api/v1/audit/", {"until": later}).json()["count"] > 0


def test_it_keeps_tenants_apart(api):
    data = api.get("/api/v1/audit/?tenant=birch").json()

    assert {e["tenant"] for e in data["results"]} == {"birch"}


def test_its_query_count_does_not_grow_with_the_page(api):
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/audit/?page_size=1").json()["results"]) == 1
    with CaptureQueriesContext(connection) as ten:
        assert len(api.get("/api/v1/audit/?page_size=10").json()["results"]) == 10

    assert len(ten) == len(one)


def test_it_answers_400_for_a_malformed_time(api):
    response = api.get("/api/v1/audit/?since=yesterday")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "since" in response.json()["error"]["details"]


def test_it_answers_404_for_an_unknown_tenant(api):
    response = api.get("/api/v1/audit/?tenant=nobody")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"


def test_it_says_a_request_filter_that_is_no_uuid_is_no_request_id(api):
    response = api.get("/api/v1/audit/?request=not-a-uuid")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert response.json()["error"]["details"]["request"].startswith(
        "Not an unlock request id: request ids are UUIDs"
    )


def test_an_entry_carries_the_client_its_request_id_and_the_consent_hash(api):
    from unlocks.consent import current_consent
    from unlocks.tests.api.test_verify import verify

    opened = open_request(api)
    verify(api, opened["id"])

    response = api.get(f"/api/v1/audit/?request={opened['id']}&action=request_approved")

    [entry] = response.json()["results"]
    assert entry["consent_sha256"] == current_consent().sha256
    # The API client's address and agent, as the tests' client sends them.
    assert entry["ip"] == "203.0.113.7"
    assert entry["user_agent"] == "helpdesk-tests/1.0"
    assert len(entry["request_id"]) == 32


def test_the_record_filter_finds_a_transaction_unlocked_with_its_batch(api):
    from unlocks.tests.api.test_verify import verify

    opened = open_request(api)  # B-1001, which holds INV-1001
    verify(api, opened["id"])

    response = api.get("/api/v1/audit/?tenant=acme&record=INV-1001")

    [entry] = [e for e in response.json()["results"] if e["action"] == "record_unlocked"]
    assert entry["target"] == {"type": "invoice", "number": "INV-1001"}
    assert (entry["state_before"], entry["state_after"]) == ("bypassed", "open")
    assert entry["request"] == opened["id"]
    # What people confirm it by, kept in the entry so an evidence bundle's figures hold.
    assert entry["data"] == {
        "with_batch": "B-1001",
        "customer": Invoice.objects.get(number="INV-1001").customer,
        "amount_cents": 41000,
    }
