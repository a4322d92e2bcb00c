"""The PIN page end to end, in Debian's headless chromium (see conftest.browser_page)."""

import pytest
from playwright.sync_api import expect

from conftest import shot
from unlocks import services
from unlocks.links import approval_url
from unlocks.models import Batch, Invoice, Payment, UnlockRequest
from unlocks.tests.conftest import AGENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(demo, live_server, settings):
    """The approval link of a demo request for bypassed batch B-1001, as the email carries it."""
    settings.SITE_URL = live_server.url
    unlock = services.open_request(
        tenant="acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        channel="phone",
        reason="Bypassed by mistake; needs re-export",
        ticket="ZD-5521",
        actor=AGENT,
    )
    return approval_url(unlock)


def sign_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_signs_in_from_the_link_and_approves_with_the_pin(browser_page, link):
    page = browser_page
    page.goto(link)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "pinpage-1-sign-in")

    sign_in(page, "pat@acme.example")
    expect(
        page.get_by_role("heading", name="Approve an unlock for Acme Heating & Air")
    ).to_be_visible()
    expect(page.get_by_text("Risk of duplicate entries")).to_be_visible()
    shot(page, "pinpage-2-approve")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "pinpage-2-approve-phone")
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("000000")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("That PIN is not right. 4 tries are left")
    expect(page.get_by_label("Account PIN")).to_have_value("")
    shot(page, "pinpage-3-wrong-pin")

    # Keyboard only: the ticks were kept; type the PIN and press Enter to submit.
    page.get_by_label("Account PIN").focus()
    page.keyboard.type("483920")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    expect(page.get_by_text("pat@acme.example").first).to_be_visible()
    shot(page, "pinpage-4-receipt")

    unlock = UnlockRequest.objects.get()
    assert unlock.status == "completed"
    expect(page.get_by_text(str(unlock.pk))).to_be_visible()
    assert Batch.objects.get(number="B-1001").state == "open"
    for model, number in ((Invoice, "INV-1001"), (Invoice, "INV-1002"), (Payment, "PAY-1001")):
        assert model.objects.get(number=number).state == "open"

    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("heading", name="Unlock requests")).to_be_visible()
    shot(page, "pinpage-5-requests")


def test_a_member_and_another_tenants_admin_cannot_approve(browser_page, link):
    page = browser_page
    page.goto(link)
    sign_in(page, "dana@acme.example")
    expect(page.get_by_role("heading", name="You cannot approve this request")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "dana@acme.example is not an admin of Acme Heating & Air now"
    )
    expect(page.get_by_label("Account PIN")).to_have_count(0)
    shot(page, "pinpage-6-member-refused")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    shot(page, "pinpage-7-signed-out")

    page.goto(link)
    sign_in(page, "sam@birch.example")
    expect(page.get_by_role("heading", name="We cannot find that approval link")).to_be_visible()
    expect(page.get_by_text("Acme")).to_have_count(0)
    shot(page, "pinpage-8-other-tenant")

    assert UnlockRequest.objects.get().status == "pending"
    assert Batch.objects.get(number="B-1001").state == "bypassed"
