"""Two approvers over HTTP (API.md "Two approvers"): by the helpdesk's key and by an agent's
session, a request needing two says so, the first verify answers pending with one approval,
the same admin again 409 already_approved_by_you, the second admin's verify completes it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant, User
from accounts.tests.factories import code_now
from unlocks.models import Batch, LockState
from unlocks.tests.api.conftest import error, open_request, verify_body

LEE = "lee@acme.test"


@pytest.fixture(params=["api", "agent_api"], ids=["helpdesk key", "agent session"])
def door(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def policy(books):
    """Acme asks two admins for unlocks of $1,000.00 or more."""
    Tenant.objects.filter(slug="acme").update(two_approvers_from_cents=100000)


def verify(client, request_id, **changes):
    return client.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def lee_code():
    return code_now(User.objects.get(email=LEE))


def test_opening_says_two_approvals_and_why(door, policy):
    opened = open_request(door, ("batch", "B-1001"))

    assert opened["total"] == "1637.50"
    assert opened["approvals_required"] == 2
    assert opened["approvals_reason"] == (
        "2 approvals: $1,637.50 is over the account's $1,000.00 limit"
    )
    assert opened["approvals"] == []


def test_a_preview_says_it_too(door, policy):
    response = door.post(
        "/api/v1/unlock-requests/preview/",
        {"tenant": "acme", "targets": [{"type": "invoice", "number": "INV-2001"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["approvals_required"] == 1
    assert response.json()["approvals_reason"] == (
        "1 approval: $99.00 is under the account's $1,000.00 limit"
    )


def test_two_admins_approve_one_after_the_other(door, policy):
    opened = open_request(door, ("batch", "B-1001"))

    first = verify(door, opened["id"])

    assert first.status_code == 200
    data = first.json()
    assert data["status"] == "pending"
    assert data["approvals_required"] == 2
    assert [(a["by"], a["with"]) for a in data["approvals"]] == [("pat@acme.test", ["pin"])]
    assert data["approvals"][0]["consent_version"] == 1
    assert data["approved_by"] is None and data["completed_at"] is None
    assert Batch.objects.get(number="B-1001").state == LockState.BYPASSED

    again = verify(door, opened["id"])
    assert again.status_code == 409
    assert error(again) == "already_approved_by_you"

    second = verify(door, opened["id"], admin_email=LEE, admin_code=lee_code())

    assert second.status_code == 200
    done = second.json()
    assert done["status"] == "completed"
    assert done["approved_by"] == LEE
    assert [(a["by"], a["with"]) for a in done["approvals"]] == [
        ("pat@acme.test", ["pin"]),
        (LEE, ["pin", "totp"]),
    ]
    assert Batch.objects.get(number="B-1001").state == LockState.OPEN
    shown = door.get(f"/api/v1/unlock-requests/{opened['id']}/").json()
    assert shown["approvals"] == done["approvals"]


def test_a_request_awaiting_its_second_approval_can_be_cancelled(door, policy):
    opened = open_request(door, ("batch", "B-1001"))
    verify(door, opened["id"])

    response = door.post(
        f"/api/v1/unlock-requests/{opened['id']}/cancel/",
        {"reason": "The customer fixed it by hand"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    late = verify(door, opened["id"], admin_email=LEE, admin_code=lee_code())
    assert late.status_code == 409 and error(late) == "request_not_pending"
    assert Batch.objects.get(number="B-1001").state == LockState.BYPASSED


def test_without_a_policy_one_verify_completes_as_before(door, books):
    opened = open_request(door, ("batch", "B-1001"))
    assert (opened["approvals_required"], opened["approvals_reason"]) == (1, None)
    done = verify(door, opened["id"]).json()
    assert done["status"] == "completed"
    assert [a["by"] for a in done["approvals"]] == ["pat@acme.test"]


def test_the_list_shows_approvals_in_a_fixed_number_of_queries(api, policy):
    # Each waits for its second approval, with one given.
    for _ in range(2):
        verify(api, open_request(api, ("batch", "B-1001"))["id"])
    api.get("/api/v1/unlock-requests/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/unlock-requests/")
    for _ in range(3):
        verify(api, open_request(api, ("batch", "B-1001"))["id"])
    with CaptureQueriesContext(connection) as more:
        listed = api.get("/api/v1/unlock-requests/").json()
    assert len(more) == len(few)
    assert all(len(r["approvals"]) == 1 for r in listed["results"])
