from audit.models import AuditAction, AuditEntry
from unlocks.models import Batch, UnlockRequest
from unlocks.tests.api.conftest import error, open_request, verify_body


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def relock(api, request_id, reason="The customer has re-exported it"):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/relock/", {"reason": reason}, format="json"
    )


def approved(api, **changes):
    opened = open_request(api, **changes)
    assert verify(api, opened["id"]).status_code == 200
    return opened


def test_it_relocks_an_approved_request_now(api):
    opened = approved(api)

    response = relock(api, opened["id"])

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "completed"
    assert data["relocked_at"] is not None
    assert Batch.objects.get(number="B-1001").state == "bypassed"
    entry = AuditEntry.objects.get(request_id=opened["id"], action=AuditAction.REQUEST_RELOCKED)
    assert (entry.actor_label, entry.data["reason"]) == (
        "helpdesk-tests",
        "The customer has re-exported it",
    )


def test_it_refuses_a_request_that_was_not_approved(api):
    opened = open_request(api)

    response = relock(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "request_not_completed"
    assert response.json()["error"]["details"] == {"status": "pending"}


def test_it_refuses_a_second_relock(api):
    opened = approved(api)
    relock(api, opened["id"])

    response = relock(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "already_relocked"
    assert "relocked_at" in response.json()["error"]["details"]


def test_it_refuses_after_the_window_has_ended(api):
    opened = approved(api)
    request = UnlockRequest.objects.get(pk=opened["id"])
    UnlockRequest.objects.filter(pk=request.pk).update(
        unlocked_until=request.approved_at, approved_at=request.approved_at
    )

    response = relock(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "already_relocked"


def test_it_requires_a_reason(api):
    opened = approved(api)

    response = relock(api, opened["id"], reason="")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "reason" in response.json()["error"]["details"]


def test_it_answers_404_for_an_unknown_request(api):
    response = relock(api, "00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_a_retry_with_the_same_idempotency_key_answers_the_same(api):
    opened = approved(api)
    url = f"/api/v1/unlock-requests/{opened['id']}/relock/"
    first = api.post(url, {"reason": "Done"}, format="json", HTTP_IDEMPOTENCY_KEY="zd-1-relock")

    again = api.post(url, {"reason": "Done"}, format="json", HTTP_IDEMPOTENCY_KEY="zd-1-relock")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert (
        AuditEntry.objects.filter(request_id=opened["id"], action="request_relocked").count() == 1
    )
