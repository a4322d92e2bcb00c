"""A passkey answer that does not verify is a wrong second factor, wherever it is given.
(Good answers are made by a real browser's authenticator: test_browser_passkey.py.)"""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import SecurityAction, SecurityEvent
from accounts.tests.factories import UserFactory

IP = "203.0.113.9"


@pytest.fixture
def agent(db, settings):
    settings.STAFF_MFA_REQUIRED = True
    user = UserFactory(email="avery@support.test", is_staff=True)
    WebAuthnCredential.objects.create(
        user=user, name="Passkey", credential_id=b"id", public_key=b"key", confirmed=True
    )
    return user


def signed_in(user):
    client = Client(REMOTE_ADDR=IP)
    client.post("/admin/login/", {"username": user.email, "password": "pw-for-tests-1"})
    return client


def test_the_sign_in_page_offers_the_passkey(agent):
    page = signed_in(agent).get("/accounts/second-factor/").content.decode()

    assert "Use your passkey" in page
    assert "js/passkey.js" in page


def test_it_gives_a_challenge_for_the_signed_in_persons_passkeys(agent):
    client = signed_in(agent)

    options = client.post("/accounts/second-factor/passkey/").json()

    assert options["challenge"]
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == ["aWQ"]


@pytest.mark.parametrize("answer", ["{}", "not json", '{"id": "aWQ", "response": {}}'])
def test_an_answer_that_does_not_verify_is_a_failed_sign_in(agent, answer):
    client = signed_in(agent)
    client.post("/accounts/second-factor/passkey/")

    response = client.post("/accounts/second-factor/", {"passkey": answer, "next": "/admin/"})

    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302
    assert AccessAttempt.objects.get(username=agent.email).failures_since_start == 1
    assert SecurityEvent.objects.filter(action=SecurityAction.SECOND_FACTOR_FAILED).exists()


def test_a_challenge_is_used_once(agent):
    client = signed_in(agent)
    client.post("/accounts/second-factor/passkey/")
    client.post("/accounts/second-factor/", {"passkey": "{}"})

    assert "passkey_assertion_state" not in client.session


def test_a_password_alone_adds_no_passkey_to_someone_who_holds_a_factor(agent):
    client = signed_in(agent)

    response = client.post("/settings/second-factor/passkeys/begin/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    response = client.post(
        "/settings/second-factor/passkeys/", "{}", content_type="application/json"
    )
    assert response.status_code == 400
    assert WebAuthnCredential.objects.filter(user=agent).count() == 1
