from audit.models import AuditAction, AuditEntry
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import error, open_request


def cancel(api, request_id, reason="The customer fixed it another way"):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/cancel/", {"reason": reason}, format="json"
    )


def test_it_cancels_a_pending_request(api):
    opened = open_request(api)

    response = cancel(api, opened["id"])

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    request = UnlockRequest.objects.get(pk=opened["id"])
    assert request.status == RequestStatus.CANCELLED
    assert request.close_reason == "The customer fixed it another way"
    entry = AuditEntry.objects.get(request_id=opened["id"], action=AuditAction.REQUEST_CANCELLED)
    assert entry.actor_label == "helpdesk-tests"


def test_it_refuses_a_request_that_is_not_pending(api):
    opened = open_request(api)
    cancel(api, opened["id"])

    response = cancel(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "request_not_pending"
    assert response.json()["error"]["details"] == {"status": "cancelled"}


def test_it_requires_a_reason(api):
    opened = open_request(api)

    response = cancel(api, opened["id"], reason="")

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "reason" in response.json()["error"]["details"]
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING


def test_it_answers_404_for_an_unknown_request(api):
    response = cancel(api, "00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert error(response) == "not_found"
