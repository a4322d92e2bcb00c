"""Passkeys end to end in Debian's headless chromium, with a virtual authenticator from the
DevTools protocol's WebAuthn domain: a tenant admin adds a passkey and approves with it; a
support agent adds one at the first sign-in and signs in with it the next time."""

import pytest
from playwright.sync_api import expect

from conftest import shot
from unlocks.links import approval_url
from unlocks.models import UnlockRequest
from unlocks.tests.conftest import open_for
from unlocks.tests.evidence.conftest import verifier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def passkeys(live_server, settings):
    """The live server as the relying party: passkeys over plain HTTP work on localhost."""
    settings.SITE_URL = live_server.url
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


def virtual_authenticator(page):
    """A platform authenticator that says yes at once (user present and verified)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return lambda: cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]}
    )["credentials"]


def sign_in(page, email, path):
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_adds_a_passkey_and_approves_with_it(browser_page, demo, passkeys):
    page = browser_page
    credentials = virtual_authenticator(page)
    unlock = open_for(
        "acme-hvac",
        targets=[{"type": "invoice", "number": "INV-2001"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Imported by mistake",
    )

    sign_in(page, "pat@acme.example", "/accounts/login/?next=/settings/second-factor/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("[data-passkeys]")).to_contain_text("Passkey, added")
    assert len(credentials()) == 1
    shot(page, "passkey/1-added")

    page.goto(approval_url(unlock))
    expect(page.get_by_role("button", name="Approve with your passkey")).to_be_visible()
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("Account PIN").fill("483920")
    shot(page, "passkey/2-approve")
    page.get_by_role("button", name="Approve with your passkey").click()

    expect(page.get_by_text("Proved with")).to_be_visible()
    expect(page.locator("[data-approved-with]")).to_have_text("The account PIN and a passkey")
    shot(page, "passkey/3-receipt")
    unlock = UnlockRequest.objects.get(pk=unlock.pk)
    assert unlock.status == "completed"
    assert unlock.approved_with == ["pin", "passkey"]

    # The receipt's evidence bundle carries the authenticator's own signature on the
    # consent, the request and its amount, and the offline verifier holds it.
    bundle = page.request.get(page.locator("[data-evidence]").get_attribute("href")).json()
    keys = page.request.get("/.well-known/unlock-desk-keys.json").json()
    assert bundle["passkey"]["statement"]["targets"] == [
        {"type": "invoice", "number": "INV-2001", "amount": "99.00"}
    ]
    status, problems, facts = verifier.verify(bundle, keys)
    assert (status, problems) == ("valid", [])
    assert any("passkey signed the consent" in fact for fact in facts)


def test_an_agent_adds_a_passkey_at_sign_in_and_signs_in_with_it(
    browser_page, demo, passkeys, settings
):
    settings.STAFF_MFA_REQUIRED = True
    page = browser_page
    credentials = virtual_authenticator(page)

    page.goto("/admin/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    shot(page, "passkey/4-staff-setup")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page).to_have_url(f"{settings.SITE_URL}/admin/")
    assert len(credentials()) == 1

    page.context.clear_cookies()
    page.goto("/admin/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your second factor")).to_be_visible()
    shot(page, "passkey/5-staff-second-factor")
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(f"{settings.SITE_URL}/admin/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
