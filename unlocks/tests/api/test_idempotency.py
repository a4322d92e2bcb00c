import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import create_api_client
from audit.models import AuditAction, AuditEntry
from unlocks.models import IdempotencyKey, UnlockRequest
from unlocks.tests.api.conftest import OPEN_BODY, body, error, open_request, verify_body

CREATE = "/api/v1/unlock-requests/"


def post(api, data, key="key-1", path=CREATE):
    return api.post(path, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_replay_returns_the_first_response_and_creates_nothing(api):
    first = post(api, OPEN_BODY)

    again = post(api, OPEN_BODY)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert UnlockRequest.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_OPENED).count() == 1


def test_a_replayed_refusal_is_not_audited_twice(api):
    refused = body(targets=[{"type": "batch", "number": "B-1002"}])
    first = post(api, refused)

    again = post(api, refused)

    assert again.status_code == first.status_code == 409
    assert again.json() == first.json()
    assert AuditEntry.objects.filter(action=AuditAction.OPEN_REFUSED).count() == 1


def test_a_reused_key_with_another_body_is_409(api):
    post(api, OPEN_BODY)

    response = post(api, body(ticket="ZD-9999"))

    assert response.status_code == 409
    assert error(response) == "idempotency_key_reused"
    assert UnlockRequest.objects.count() == 1


def test_a_replayed_verify_does_not_count_a_wrong_pin_twice(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    path = f"/api/v1/unlock-requests/{opened['id']}/verify/"

    first = post(api, verify_body(pin="000000"), key="verify-1", path=path)
    again = post(api, verify_body(pin="000000"), key="verify-1", path=path)

    assert again.json() == first.json()
    assert again.json()["error"]["details"] == {"attempts_left": 4}
    assert AuditEntry.objects.filter(action=AuditAction.PIN_INCORRECT).count() == 1


def test_a_replayed_cancel_answers_the_first_cancel(api):
    opened = open_request(api)
    path = f"/api/v1/unlock-requests/{opened['id']}/cancel/"

    first = post(api, {"reason": "Not needed"}, key="cancel-1", path=path)
    again = post(api, {"reason": "Not needed"}, key="cancel-1", path=path)

    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "cancelled"


def test_keys_are_scoped_per_client(api):
    _, other_key = create_api_client(name="freshdesk")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")

    post(api, OPEN_BODY)
    response = post(other, body(targets=[{"type": "invoice", "number": "INV-2001"}]))

    assert response.status_code == 201
    assert UnlockRequest.objects.count() == 2


def test_a_server_error_is_not_stored_so_a_retry_can_succeed(api, monkeypatch):
    from unlocks.api import views

    real = views.services.open_request
    monkeypatch.setattr(views.services, "open_request", _explode)
    assert post(api, OPEN_BODY).status_code == 500
    monkeypatch.setattr(views.services, "open_request", real)

    response = post(api, OPEN_BODY)

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")


def _explode(**kwargs):
    raise RuntimeError("the database went away")


def test_an_overlong_key_is_400(api):
    response = post(api, OPEN_BODY, key="k" * 256)

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_calls_at_once_create_one_request(api_key):
    barrier = threading.Barrier(2)
    responses = []

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
        barrier.wait()
        try:
            responses.append(post(client, OPEN_BODY, key="at-once"))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.has_header("Idempotent-Replayed") for r in responses) == [False, True]
    assert UnlockRequest.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.REQUEST_OPENED).count() == 1


def test_a_replayed_pin_lock_still_says_how_long_to_wait(api):
    unlock_id = open_request(api)["id"]
    path = f"{CREATE}{unlock_id}/verify/"
    for n in range(4):
        post(api, verify_body(pin="000000"), key=f"wrong-{n}", path=path)
    first = post(api, verify_body(pin="000000"), key="locking", path=path)

    again = post(api, verify_body(pin="000000"), key="locking", path=path)

    assert first.status_code == again.status_code == 423
    assert 0 < int(again["Retry-After"]) <= int(first["Retry-After"])
