"""A value of the wrong JSON type is refused with 400 `invalid`, never coerced: consent is
JSON true and nothing else, a PIN is a string (012345 keeps its zero), a consent version an
integer, and every text field a string."""

import pytest

from accounts.models import Tenant
from audit.models import AuditEntry
from unlocks.models import Batch, LockState, RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import body, error, open_request, verify_body

CONSENT_NOT_TRUE = (
    "Must be JSON true to accept the consent text word for word; false or a string is not an "
    "acceptance."
)


def details(response):
    assert response.status_code == 400, response.json()
    assert error(response) == "invalid"
    return response.json()["error"]["details"]


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


@pytest.mark.parametrize(
    ("field", "value", "must_be"),
    [
        ("consent_accepted", "true", "JSON true"),
        ("consent_accepted", "yes", "JSON true"),
        ("consent_accepted", 1, "JSON true"),
        ("consent_accepted", None, "JSON true"),
        ("duplicate_risk_acknowledged", "yes", "JSON true"),
        ("duplicate_risk_acknowledged", 1, "JSON true"),
        ("consent_version", "1", "JSON integer"),
        ("consent_version", 1.0, "JSON integer"),
        ("consent_version", True, "JSON integer"),
        ("pin", 483920, "JSON string"),
        ("admin_email", ["pat@acme.test"], "JSON string"),
    ],
)
def test_verify_refuses_a_value_of_the_wrong_type_and_unlocks_nothing(api, field, value, must_be):
    opened = open_request(api, ("batch", "B-1001"))

    response = verify(api, opened["id"], **{field: value})

    assert set(details(response)) == {field}
    assert must_be in details(response)[field]
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING
    assert Batch.objects.get(number="B-1001").state == LockState.BYPASSED


def test_verify_says_why_a_string_is_no_consent(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], consent_accepted="true")

    assert details(response) == {"consent_accepted": CONSENT_NOT_TRUE}
    assert "consent_accepted: Must be JSON true" in response.json()["error"]["message"]


def test_verify_says_a_pin_keeps_its_leading_zeros_only_as_a_string(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], pin=12345)

    assert "leading zero" in details(response)["pin"]


def test_a_pin_of_the_wrong_type_is_not_counted_as_a_wrong_pin(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    for _ in range(6):
        verify(api, opened["id"], pin=0)

    tenant = Tenant.objects.get(slug="acme")
    assert tenant.pin_failure_times == []
    assert tenant.pin_locked_until is None
    assert not AuditEntry.objects.filter(request_id=opened["id"], code="pin_incorrect").exists()


def test_verify_still_answers_json_false_with_the_services_refusals(api):
    opened = open_request(api, ("batch", "B-1001"))

    no_consent = verify(api, opened["id"], consent_accepted=False)
    no_acknowledgement = verify(api, opened["id"], duplicate_risk_acknowledged=False)

    assert error(no_consent) == "consent_required"
    assert error(no_acknowledgement) == "duplicate_risk_not_acknowledged"


def test_verify_completes_with_json_true_a_string_pin_and_an_integer_version(api):
    opened = open_request(api, ("batch", "B-1001"))

    response = verify(api, opened["id"])

    assert response.status_code == 200
    assert response.json()["status"] == "completed"


WRONG_TYPES_IN_AN_OPENING_BODY = [
    ({"tenant": 1}, "tenant"),
    ({"reason": 42}, "reason"),
    ({"ticket": 5521}, "ticket"),
    ({"channel": 1}, "channel"),
    ({"caller": {"name": 12345, "email": "dana@acme.test"}}, "caller.name"),
    ({"caller": {"name": "Dana Ruiz", "email": True}}, "caller.email"),
    ({"targets": [{"type": "batch", "number": 1001}]}, "targets[0].number"),
    ({"targets": [{"type": True, "number": "B-1001"}]}, "targets[0].type"),
    ({"reason": None}, "reason"),
]


@pytest.mark.parametrize(("changes", "field"), WRONG_TYPES_IN_AN_OPENING_BODY)
def test_create_refuses_a_text_field_that_is_not_a_json_string(api, changes, field):
    response = api.post("/api/v1/unlock-requests/", body(**changes), format="json")

    assert details(response) == {field: details(response)[field]}
    assert "JSON string" in details(response)[field]
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize(("changes", "field"), WRONG_TYPES_IN_AN_OPENING_BODY)
def test_preview_refuses_a_text_field_that_is_not_a_json_string(api, changes, field):
    response = api.post("/api/v1/unlock-requests/preview/", body(**changes), format="json")

    assert set(details(response)) == {field}
    assert "JSON string" in details(response)[field]


@pytest.mark.parametrize("reason", [42, True, ["Opened by mistake"]])
def test_cancel_refuses_a_reason_that_is_not_a_json_string(api, reason):
    opened = open_request(api)

    response = api.post(
        f"/api/v1/unlock-requests/{opened['id']}/cancel/", {"reason": reason}, format="json"
    )

    assert set(details(response)) == {"reason"}
    assert "JSON string" in details(response)["reason"]
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING
