"""The PIN page asks the approver's second factor after the PIN and consent, where the
tenant requires one or the approver holds one."""

from urllib.parse import quote

import pytest

from accounts.tests.factories import code_now, give_authenticator, wrong_code
from notifications.models import OutboxMessage
from unlocks.tests.pages.conftest import approval, approve_path


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_an_admin_without_a_factor_is_not_asked_for_one(client, admin, unlock):
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert "data-second-factor" not in page
    assert 'name="admin_code"' not in page


def test_an_admin_with_an_app_is_asked_for_its_code_after_the_pin(client, admin, unlock):
    give_authenticator(admin)
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    assert page.index('name="pin"') < page.index('name="admin_code"')
    assert page.index('name="consent_accepted"') < page.index('name="admin_code"')


def test_it_approves_with_the_pin_and_the_code_and_the_receipt_says_so(
    client, admin, unlock, batch
):
    give_authenticator(admin)
    client.force_login(admin)

    response = client.post(approve_path(unlock), approval(unlock, admin_code=code_now(admin)))

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "open"
    receipt = client.get(response["Location"]).content.decode()
    assert "The account PIN and an authenticator code" in receipt
    email = OutboxMessage.objects.get(reference=unlock.pk, kind="email", event="completed")
    assert "Proved with: the account PIN and an authenticator code" in email.body
    assert "the account PIN and an authenticator code" in email.html


def test_without_the_code_it_asks_for_it_and_unlocks_nothing(client, admin, unlock, batch):
    give_authenticator(admin)
    client.force_login(admin)

    response = client.post(approve_path(unlock), approval(unlock))

    assert response.status_code == 400
    assert "Approving needs your second factor too" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_a_wrong_code_says_the_tries_left_and_is_not_shown_again(client, admin, unlock, batch):
    give_authenticator(admin)
    client.force_login(admin)
    code = wrong_code(admin)

    response = client.post(approve_path(unlock), approval(unlock, admin_code=code))

    assert response.status_code == 403
    page = response.content.decode()
    assert "4 tries are left" in page
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_a_tenant_that_requires_a_factor_tells_an_admin_without_one_to_set_it_up(
    client, admin, tenant, unlock, batch
):
    tenant.approval_requires_second_factor = True
    tenant.save()
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()
    assert "You need a second factor to approve this" in page
    assert "You have none yet, so you cannot approve it now." in page
    assert f"/settings/second-factor/app/?next={quote(approve_path(unlock))}" in page
    # Told before the form: there is no form and no button to press.
    assert 'name="pin"' not in page and "Approve and unlock</button>" not in page

    # A form sent all the same (an old tab) is refused by the service, and says the same.
    response = client.post(approve_path(unlock), approval(unlock))

    assert response.status_code == 400
    assert "You need a second factor to approve this" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_it_names_the_admins_who_can_approve_instead(client, admin, lee, tenant, unlock):
    give_authenticator(lee)
    tenant.approval_requires_second_factor = True
    tenant.save()
    client.force_login(admin)

    page = client.get(approve_path(unlock)).content.decode()

    holders = page.split("data-factor-holders>")[1].split("<")[0]
    assert holders == "Lee Chen"


def test_an_admin_holding_a_factor_gets_the_form(client, lee, tenant, unlock):
    give_authenticator(lee)
    tenant.approval_requires_second_factor = True
    tenant.save()
    client.force_login(lee)

    page = client.get(approve_path(unlock)).content.decode()

    assert "You need a second factor" not in page
    assert 'name="admin_code"' in page and "Approve and unlock</button>" in page


def test_a_passkey_answer_that_does_not_verify_counts_as_a_wrong_try(
    client, admin, tenant, unlock, batch
):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=admin, name="Passkey", credential_id=b"id", public_key=b"key", confirmed=True
    )
    client.force_login(admin)
    page = client.get(approve_path(unlock)).content.decode()
    assert "Approve with your passkey" in page and 'name="admin_code"' not in page
    client.post("/accounts/second-factor/passkey/")

    response = client.post(approve_path(unlock), approval(unlock, passkey='{"id": "aWQ"}'))

    assert response.status_code == 403
    assert "4 tries are left" in response.content.decode()
    tenant.refresh_from_db()
    assert len(tenant.pin_failure_times) == 1
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_a_right_code_too_soon_after_a_wrong_one_says_wait_and_counts_nothing(
    client, admin, unlock, batch, settings, clock
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    give_authenticator(admin)
    client.force_login(admin)
    client.post(approve_path(unlock), approval(unlock, admin_code=wrong_code(admin)))
    right = code_now(admin)

    response = client.post(approve_path(unlock), approval(unlock, admin_code=right))

    assert response.status_code == 429
    page = response.content.decode()
    assert "That code came too soon after a wrong one" in page and "Wait 1 second" in page
    unlock.tenant.refresh_from_db()
    assert len(unlock.tenant.pin_failure_times) == 1
    clock.move(seconds=2)
    assert client.post(approve_path(unlock), approval(unlock, admin_code=right)).status_code == 302
    batch.refresh_from_db()
    assert batch.state == "open"
