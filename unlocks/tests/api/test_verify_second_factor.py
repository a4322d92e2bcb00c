"""Verify over HTTP with the admin's authenticator code (admin_code): the new refusals, and
`approved_with` on the request's answer and its webhook."""

import json

import pytest

from accounts.models import Tenant, User
from accounts.tests.factories import code_now, wrong_code
from notifications.models import OutboxMessage, WebhookEndpoint
from unlocks.tests.api.conftest import error, open_request, verify_body

LEE = "lee@acme.test"  # the admin with an authenticator app (the books)


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def lee():
    return User.objects.get(email=LEE)


def test_an_admin_with_an_app_approves_with_the_code_they_read_out(api):
    WebhookEndpoint.objects.create(name="helpdesk", url="https://helpdesk.example/hooks")
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email=LEE, admin_code=code_now(lee()))

    assert response.status_code == 200, response.json()
    assert response.json()["approved_with"] == ["pin", "totp"]
    assert api.get(f"/api/v1/unlock-requests/{opened['id']}/").json()["approved_with"] == [
        "pin",
        "totp",
    ]
    hook = OutboxMessage.objects.get(reference=opened["id"], kind="webhook", event="completed")
    sent = json.loads(hook.body)
    assert sent["event"] == "unlock_request.completed"
    assert sent["request"]["approved_with"] == ["pin", "totp"]


def test_a_pending_request_has_no_approved_with_and_a_pin_approval_says_pin(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    assert opened["approved_with"] is None

    assert verify(api, opened["id"]).json()["approved_with"] == ["pin"]


def test_without_the_code_it_is_400_second_factor_required(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email=LEE)

    assert response.status_code == 400
    assert error(response) == "second_factor_required"
    assert api.get(f"/api/v1/unlock-requests/{opened['id']}/").json()["status"] == "pending"


def test_a_wrong_code_is_403_second_factor_incorrect_with_the_tries_left(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee()))

    assert response.status_code == 403
    assert error(response) == "second_factor_incorrect"
    assert response.json()["error"]["details"] == {"attempts_left": 4}


def test_wrong_codes_count_with_wrong_pins_into_the_pin_lock(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    for _ in range(2):
        assert verify(api, opened["id"], pin="000000").status_code == 403
    for _ in range(2):
        response = verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee()))
        assert error(response) == "second_factor_incorrect"

    response = verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee()))

    assert response.status_code == 423
    assert error(response) == "pin_locked"
    assert int(response["Retry-After"]) > 0


def test_a_tenant_that_requires_a_factor_refuses_the_pin_alone(api):
    Tenant.objects.filter(slug="acme").update(approval_requires_second_factor=True)
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"])  # Pat holds no factor

    assert response.status_code == 400
    assert error(response) == "second_factor_required"
    assert "has none yet" in response.json()["error"]["message"]
    ok = verify(api, opened["id"], admin_email=LEE, admin_code=code_now(lee()))
    assert ok.status_code == 200


def test_admin_code_must_be_text(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email=LEE, admin_code=123456)

    assert response.status_code == 400
    assert error(response) == "invalid"
