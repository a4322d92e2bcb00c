import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEntry
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import NOT_SET_UP, body, error, open_request, targets


def create(api, *pairs, **changes):
    if pairs:
        changes["targets"] = targets(*pairs)
    return api.post("/api/v1/unlock-requests/", body(**changes), format="json")


def test_it_opens_a_pending_request(api):
    response = create(api, ("batch", "B-1001"), ("invoice", "INV-1004"))

    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending"
    assert data["tenant"] == "acme"
    assert data["targets"] == [
        {
            "type": "batch",
            "number": "B-1001",
            "state": "bypassed",
            "warnings": ["duplicate_risk"],
            "customer": None,
            "amount": None,
            "currency": "USD",
            "date": None,
            "transaction_count": 3,
            "total": "1637.50",
            "quickbooks": NOT_SET_UP,
        },
        {
            "type": "invoice",
            "number": "INV-1004",
            "state": "bypassed",
            "warnings": [],
            "customer": "Pine Court HOA",
            "amount": "155.00",
            "currency": "USD",
            "date": "2026-11-18",
            "transaction_count": None,
            "total": None,
            "quickbooks": NOT_SET_UP,
        },
    ]
    assert (data["currency"], data["total"], data["transaction_count"]) == ("USD", "1792.50", 4)
    assert data["caller"] == {
        "name": "Dana Ruiz",
        "email": "dana@acme.test",
        "is_tenant_admin": False,
    }
    assert data["channel"] == "phone"
    assert data["ticket"] == "ZD-5521"
    assert "/approve/" in data["approval_url"]
    assert data["approved_by"] is None
    assert data["approved_at"] is None
    assert data["consent_version"] is None
    assert data["completed_at"] is None
    request = UnlockRequest.objects.get(pk=data["id"])
    assert request.status == RequestStatus.PENDING
    assert request.opened_by == "helpdesk-tests"


def test_it_audits_the_opening_with_the_client_as_actor(api):
    data = open_request(api)

    entry = AuditEntry.objects.get(request_id=data["id"], action=AuditAction.REQUEST_OPENED)
    assert entry.actor_kind == "api_client"
    assert entry.actor_label == "helpdesk-tests"
    assert entry.ip == "203.0.113.7"
    assert entry.user_agent == "helpdesk-tests/1.0"


def test_it_knows_when_the_caller_is_a_tenant_admin(api):
    data = open_request(api, caller={"name": "Pat Morgan", "email": "pat@acme.test"})

    assert data["caller"]["is_tenant_admin"] is True


def test_it_accepts_an_invoice_with_an_old_export_alone_with_a_warning(api):
    data = open_request(api, ("invoice", "INV-1005"))

    assert data["targets"][0]["warnings"] == ["duplicate_risk"]


def test_it_refuses_an_exported_batch_and_names_its_transactions(api):
    response = create(api, ("batch", "B-1002"))

    assert response.status_code == 409
    assert error(response) == "exported_batch"
    details = response.json()["error"]["details"]
    assert details["invoices"] == ["INV-1003"]
    assert details["payments"] == ["PAY-1002"]
    assert not UnlockRequest.objects.exists()


def test_it_audits_a_refused_attempt_with_the_client_as_actor(api):
    create(api, ("batch", "B-1002"))

    entry = AuditEntry.objects.get(action=AuditAction.OPEN_REFUSED)
    assert entry.code == "exported_batch"
    assert entry.actor_label == "helpdesk-tests"


@pytest.mark.parametrize("pair", [("invoice", "INV-1003"), ("payment", "PAY-1002")])
def test_it_refuses_an_exported_transaction(api, pair):
    response = create(api, pair)

    assert response.status_code == 409
    assert error(response) == "exported_record"


def test_it_refuses_a_bypassed_batch_with_exported_transactions(api):
    response = create(api, ("batch", "B-1003"))

    assert response.status_code == 409
    assert error(response) == "transactions_exported"
    assert response.json()["error"]["details"]["invoices"] == ["INV-1005"]


def test_it_refuses_a_record_that_is_already_open(api):
    response = create(api, ("invoice", "INV-2002"))

    assert response.status_code == 409
    assert error(response) == "not_locked"


def test_it_answers_404_for_an_unknown_tenant(api):
    response = create(api, tenant="nobody")

    assert response.status_code == 404
    assert error(response) == "unknown_tenant"


def test_it_answers_404_for_an_unknown_record(api):
    response = create(api, ("invoice", "INV-404"))

    assert response.status_code == 404
    assert error(response) == "unknown_record"


def test_it_does_not_see_another_tenants_records(api):
    response = create(api, ("batch", "B-2001"))

    assert response.status_code == 404
    assert error(response) == "unknown_record"


def test_it_answers_400_with_field_details_for_a_malformed_body(api):
    response = create(api, channel="fax", caller={"name": "", "email": "not-an-email"})

    assert response.status_code == 400
    assert error(response) == "invalid"
    details = response.json()["error"]["details"]
    assert set(details) == {"channel", "caller.name", "caller.email"}


def test_it_answers_400_for_a_target_named_twice(api):
    response = create(api, ("batch", "B-1001"), ("batch", "B-1001"))

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "targets" in response.json()["error"]["details"]


def test_opening_a_request_reads_the_targets_it_inserted_once(api):
    create(api, ("invoice", "INV-1004"))
    with CaptureQueriesContext(connection) as queries:
        response = create(api, ("batch", "B-1001"), ("invoice", "INV-1005"))

    assert response.status_code == 201
    assert [t["number"] for t in response.json()["targets"]] == ["B-1001", "INV-1005"]
    sql = [q["sql"] for q in queries]
    # Read back once, for the event's messages and the answer alike.
    assert len([q for q in sql if q.startswith("SELECT") and '"unlocks_unlocktarget"' in q]) == 1
    # The API client, the records with their tenant and export history (a query per type)
    # and the batch's other facts (3), the caller's membership with the admins (one), the
    # request, its targets and their read-back, the webhooks, the outbox, the chain head,
    # the audit entry and the head's update, in a savepoint (2) in this test.
    assert len(queries) == 16, sql
