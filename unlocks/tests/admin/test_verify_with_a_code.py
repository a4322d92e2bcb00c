"""Verify on the phone with the code the admin reads from their authenticator app."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.tests.factories import code_now, give_authenticator, wrong_code
from unlocks.models import RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.admin.test_verify_on_the_phone import page_url, phone_data, verify_url
from unlocks.tests.conftest import open_for


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_the_form_asks_for_the_code_and_says_a_passkey_cannot_be_read_out(
    agent_client, tenant, admin
):
    page = agent_client.get(page_url(open_for(tenant, f.bypassed_invoice(tenant))))

    text = page.content.decode()
    assert 'name="admin_code"' in text
    assert "A passkey cannot be read out" in text and "PIN page" in text


def test_it_approves_with_the_code_the_admin_reads_out(agent_client, tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.post(verify_url(request), phone_data(admin, admin_code=code_now(admin)))

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.approved_with == ["pin", "totp"]
    timeline = agent_client.get(page_url(request)).content.decode()
    assert "with the account PIN and an authenticator code" in timeline


def test_without_the_code_it_says_to_ask_for_it(agent_client, tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.post(verify_url(request), phone_data(admin))

    assert response.status_code == 200
    assert "admin_code, the 6-digit code" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_a_wrong_code_says_the_tries_left(agent_client, tenant, admin):
    give_authenticator(admin)
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.post(
        verify_url(request), phone_data(admin, admin_code=wrong_code(admin))
    )

    assert "That authenticator code is not right" in response.content.decode()
    assert "4 tries are left" in response.content.decode()


def test_a_passkey_only_admin_is_sent_to_the_pin_page(agent_client, tenant, admin):
    WebAuthnCredential.objects.create(
        user=admin, name="Phone", credential_id=b"id", public_key=b"key", confirmed=True
    )
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.post(verify_url(request), phone_data(admin, admin_code="123456"))

    assert "cannot be read out on the phone" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_a_tenant_that_requires_a_factor_is_not_approved_with_the_pin_alone(
    agent_client, tenant, admin
):
    tenant.approval_requires_second_factor = True
    tenant.save()
    request = open_for(tenant, f.bypassed_invoice(tenant))

    agent_client.post(verify_url(request), phone_data(admin))

    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
