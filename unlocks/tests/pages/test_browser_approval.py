"""The PIN page end to end, in Debian's headless chromium (see conftest.browser_page)."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from conftest import shot
from core.refusals import Refusal
from unlocks.links import approval_url
from unlocks.models import Batch, Invoice, Payment, UnlockRequest
from unlocks.tests.conftest import open_for, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(demo, live_server, settings):
    """The approval link of a demo request for bypassed batch B-1001, as the email carries it."""
    settings.SITE_URL = live_server.url
    unlock = open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Bypassed by mistake; needs re-export",
        ticket="ZD-5521",
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
    # The receipt says how much of the books it reopened.
    expect(page.locator("[data-stake]")).to_have_text("3 records, $1,637.50 in all")
    expect(page.locator("[data-money]").first).to_contain_text("3 transactions, $1,637.50")
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
    expect(
        page.get_by_role("heading", name="Only an admin of Acme Heating & Air can approve this")
    ).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "dana@acme.example, who is not an admin of Acme Heating & Air now"
    )
    # Whom to ask, by name.
    expect(page.get_by_role("alert")).to_contain_text("Lee Chen or Pat Morgan")
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


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_on_a_phone_the_records_and_total_come_first_and_the_form_follows_them(browser_page, link):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    sign_in(page, "pat@acme.example")
    expect(page.get_by_role("heading", name="What will be unlocked")).to_be_visible()
    shot(page, "pinpage-phone/approve")
    # Without scrolling: the total at stake and the first record are on the first screen.
    stake, first = box(page, "[data-stake]"), box(page, ".target")
    assert stake["y"] + stake["height"] <= 844
    assert first["y"] < 844
    expect(page.locator("[data-stake]")).to_have_text("3 records, $1,637.50 in all")
    # The approve form follows the records; the request's details come after it.
    last_record, form = box(page, ".target:last-child"), box(page, "form.card")
    details = box(page, "#who-title")
    assert last_record["y"] < form["y"] < details["y"]
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Words for the customer: the agent by first name, a short reference, no UUID.
    body = page.locator("main").inner_text()
    unlock = UnlockRequest.objects.get()
    assert str(unlock.pk) not in body and unlock.reference in body
    assert "opened by Avery from support" in body
    assert "tenant" not in body.lower() and "verif" not in body.lower().replace(
        "unable to assist with or verify", ""
    )


def test_by_keyboard_alone_an_admin_ticks_types_the_pin_and_approves(browser_page, link):
    page = browser_page
    page.goto(link)
    sign_in(page, "pat@acme.example")
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_consent_accepted":
            break
    else:
        raise AssertionError("Tab never reached the consent tick")
    # The focused control shows that it has the focus.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shot(page, "pinpage-keyboard/consent-focused")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_duplicate_risk_acknowledged"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_pin"
    page.keyboard.type("483920")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    assert UnlockRequest.objects.get().status == "completed"


def test_while_the_pin_is_locked_the_page_leads_with_the_lock_and_offers_no_approve(
    browser_page, link
):
    unlock = UnlockRequest.objects.get()
    for _ in range(5):
        with pytest.raises(Refusal):
            verify(unlock, User.objects.get(email="pat@acme.example"), pin="000000")
    page = browser_page
    page.goto(link)
    sign_in(page, "pat@acme.example")
    notice = page.locator("[data-pin-lock]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Approving is paused: too many wrong PINs")
    expect(notice).to_contain_text("in 15 minutes, at ")
    expect(notice).to_contain_text("with support on the phone")
    expect(notice).to_contain_text("admins were told by email")
    assert box(page, "[data-pin-lock]")["y"] < box(page, "#targets-title")["y"]
    expect(page.get_by_role("button", name="Approve and unlock")).to_have_count(0)
    expect(page.get_by_label("Account PIN")).to_have_count(0)
    expect(page.locator("[data-stake]")).to_have_text("3 records, $1,637.50 in all")
    shot(page, "pinpage-locked/desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    lock = box(page, "[data-pin-lock]")
    assert lock["y"] < 844
    shot(page, "pinpage-locked/phone")
