"""The approver's second factor, asked right after the PIN (SPEC rule 12)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import code_now, give_authenticator, wrong_code
from audit.models import AuditAction, AuditEntry
from core.refusals import Refusal
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def refusal_of(request, admin, **fields):
    with pytest.raises(Refusal) as caught:
        verify(request, admin, **fields)
    return caught.value


def test_an_approver_without_a_factor_approves_with_the_pin_alone(tenant, admin):
    request = verify(open_for(tenant, f.bypassed_invoice(tenant)), admin)

    assert request.approved_with == ["pin"]
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_APPROVED)
    assert entry.data["approved_with"] == ["pin"]


def test_an_approver_with_an_app_approves_with_its_code(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    approved = verify(request, admin, admin_code=code_now(admin))

    assert approved.status == "completed"
    assert approved.approved_with == ["pin", "totp"]
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_APPROVED)
    assert entry.data["approved_with"] == ["pin", "totp"]
    assert entry.data["approver"] == admin.email


def test_an_approver_with_an_app_is_asked_for_its_code(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    refusal = refusal_of(request, admin)

    assert refusal.code == "second_factor_required"
    assert "admin_code" in refusal.message
    request.refresh_from_db()
    assert request.status == "pending"
    assert AuditEntry.objects.filter(code="second_factor_required").exists()


def test_a_tenant_that_requires_a_factor_refuses_an_approver_without_one(tenant, admin):
    tenant.approval_requires_second_factor = True
    tenant.save()
    request = open_for(tenant, f.bypassed_invoice(tenant))

    refusal = refusal_of(request, admin, admin_code="123456")

    assert refusal.code == "second_factor_required"
    assert "/settings/second-factor/" in refusal.message
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_factor_is_checked_after_the_pin(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    assert refusal_of(request, admin, pin="999999").code == "pin_incorrect"
    assert refusal_of(request, admin).code == "second_factor_required"


def test_a_wrong_code_is_refused_with_the_tries_left(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    refusal = refusal_of(request, admin, admin_code=wrong_code(admin))

    assert refusal.code == "second_factor_incorrect"
    assert refusal.details == {"attempts_left": 4}
    entry = AuditEntry.objects.get(action=AuditAction.SECOND_FACTOR_INCORRECT)
    assert entry.data == {"approver": admin.email, "attempts_left": 4, "factor": "totp"}
    tenant.refresh_from_db()
    assert len(tenant.pin_failure_times) == 1


def test_wrong_codes_and_wrong_pins_share_the_tenants_window_and_lock_it(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))
    for _ in range(3):
        refusal_of(request, admin, pin="999999")
    assert refusal_of(request, admin, admin_code=wrong_code(admin)).details["attempts_left"] == 1

    locked = refusal_of(request, admin, admin_code=wrong_code(admin))

    assert locked.code == "pin_locked"
    # Locked for the right PIN and code too.
    assert refusal_of(request, admin, admin_code=code_now(admin)).code == "pin_locked"
    assert AuditEntry.objects.filter(action=AuditAction.PIN_LOCKED).count() == 1


def test_a_code_is_taken_once(tenant, admin):
    give_authenticator(admin)
    code = code_now(admin)
    verify(open_for(tenant, f.bypassed_invoice(tenant)), admin, admin_code=code)

    refusal = refusal_of(open_for(tenant, f.bypassed_invoice(tenant)), admin, admin_code=code)

    assert refusal.code == "second_factor_incorrect"


def test_a_passkey_only_approver_is_told_to_use_the_pin_page(tenant, admin):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=admin, name="Phone", credential_id=b"id", public_key=b"key", confirmed=True
    )
    request = open_for(tenant, f.bypassed_invoice(tenant))

    refusal = refusal_of(request, admin, admin_code="123456")

    assert refusal.code == "second_factor_required"
    assert "PIN page" in refusal.message


def test_a_right_code_clears_the_wrong_tries(tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))
    refusal_of(request, admin, pin="999999")

    verify(request, admin, admin_code=code_now(admin))

    tenant.refresh_from_db()
    assert tenant.pin_failure_times == []
    assert TOTPDevice.objects.get(user=admin).last_t > 0
