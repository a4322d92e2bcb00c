"""A right authenticator code sent while django-otp still waits after a wrong one is not
checked and not counted: 429 second_factor_wait with Retry-After, and the same code
approves once the wait is over (issue "Hardening found by attack", finding 3)."""

import pytest

from accounts.models import Tenant
from accounts.tests.factories import code_now, wrong_code
from audit.models import AuditEntry
from unlocks.tests.api.conftest import error, open_request, verify_body

LEE = "lee@acme.test"


@pytest.fixture(autouse=True)
def _otp_waits_after_a_wrong_code(settings):
    # django-otp's own delay: 1 s after the first wrong code, 2 s after the second, ...
    settings.OTP_TOTP_THROTTLE_FACTOR = 1


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def failures():
    return len(Tenant.objects.get(slug="acme").pin_failure_times)


def test_a_right_code_too_soon_after_a_wrong_one_is_wait_not_wrong(api, lee, clock):
    opened = open_request(api, ("invoice", "INV-2001"))
    wrong = verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee))
    assert error(wrong) == "second_factor_incorrect"
    assert wrong.json()["error"]["details"] == {"attempts_left": 4}

    right = code_now(lee)
    too_soon = verify(api, opened["id"], admin_email=LEE, admin_code=right)

    assert too_soon.status_code == 429
    assert error(too_soon) == "second_factor_wait"
    assert int(too_soon["Retry-After"]) == too_soon.json()["error"]["details"]["retry_after"] > 0
    assert "not checked" in too_soon.json()["error"]["message"]
    # Nothing counted against the PIN's lock-out.
    assert failures() == 1
    assert not AuditEntry.objects.filter(action="second_factor_incorrect", data__attempts_left=3)

    clock.move(seconds=int(too_soon["Retry-After"]) + 1)
    approved = verify(api, opened["id"], admin_email=LEE, admin_code=right)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["approved_with"] == ["pin", "totp"]


def test_quick_retries_of_a_right_code_never_lock_the_tenant(api, lee, clock):
    # The clock stands still: the retries come within the wait however slow the machine.
    opened = open_request(api, ("invoice", "INV-2001"))
    verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee))
    right = code_now(lee)
    for _ in range(10):
        response = verify(api, opened["id"], admin_email=LEE, admin_code=right)
        assert error(response) == "second_factor_wait"
    assert failures() == 1
    assert Tenant.objects.get(slug="acme").pin_locked_until is None


def test_the_wait_is_over_after_its_time(api, lee, clock):
    opened = open_request(api, ("invoice", "INV-2001"))
    verify(api, opened["id"], admin_email=LEE, admin_code=wrong_code(lee))
    clock.move(seconds=2)
    response = verify(api, opened["id"], admin_email=LEE, admin_code=code_now(lee))
    assert response.status_code == 200, response.json()
