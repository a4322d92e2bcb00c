"""One click that means one approval, and a Back that never asks to send a form again, in
Debian's headless chromium, with the browser's clock in Denver and in Sydney."""

import pytest
from playwright.sync_api import expect

from audit.models import AuditAction, AuditEntry
from conftest import shot
from unlocks.links import approval_url
from unlocks.models import UnlockRequest
from unlocks.tests.conftest import open_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(demo, live_server, settings):
    settings.SITE_URL = live_server.url
    unlock = open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Bypassed by mistake; needs re-export",
    )
    return approval_url(unlock)


def sign_in_and_fill(page, link, pin):
    page.goto(link)
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill(pin)


def entries(action):
    return AuditEntry.objects.filter(action=action).count()


def test_a_double_click_approves_once_and_shows_the_receipt(zoned_page, link):
    page = zoned_page
    sign_in_and_fill(page, link, "483920")

    page.get_by_role("button", name="Approve and unlock").dblclick()

    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    shot(page, f"one-approval/{page.zone.replace('/', '-')}-receipt-after-double-click")
    assert UnlockRequest.objects.get().status == "completed"
    assert entries(AuditAction.REQUEST_APPROVED) == 1
    assert entries(AuditAction.VERIFY_REFUSED) == 0


def test_the_button_is_disabled_while_the_form_is_sent(zoned_page, link):
    page = zoned_page
    sign_in_and_fill(page, link, "483920")
    # Hold the answer back, to look at the page while the form is on its way; the page
    # notes what it sees where the next page can read it (the tab's sessionStorage).
    held = []
    page.route(
        "**/approve/**",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.evaluate(
        """() => {
          const button = document.querySelector("main form button[type=submit]");
          button.form.addEventListener("submit", () => setTimeout(() => {
            sessionStorage.setItem("disabled", String(button.disabled));
            // Sent again, as a second click or Enter would.
            button.form.requestSubmit();
            sessionStorage.setItem("sent again", "yes");
          }, 100));
        }"""
    )

    page.get_by_role("button", name="Approve and unlock").click(no_wait_after=True)

    page.wait_for_timeout(1000)
    assert len(held) == 1
    held[0].continue_()
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('disabled')") == "true"
    assert page.evaluate("sessionStorage.getItem('sent again')") == "yes"
    assert len(held) == 1
    assert entries(AuditAction.REQUEST_APPROVED) == 1


def test_back_after_a_wrong_pin_then_the_right_one_asks_to_resend_nothing(zoned_page, link):
    page = zoned_page
    sign_in_and_fill(page, link, "000000")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("That PIN is not right")
    page.get_by_label("Account PIN").fill("483920")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()

    # Back lands on the page that answered the wrong PIN: fetched afresh, it says the
    # request is approved now, instead of the browser asking to send the form again.
    response = page.go_back()
    assert response is not None and response.request.method == "GET"
    expect(page.get_by_role("heading", name="This request is already approved")).to_be_visible()
    expect(page.get_by_role("link", name="See the receipt")).to_be_visible()
    shot(page, f"one-approval/{page.zone.replace('/', '-')}-back-after-approving")
    # Back once more: the wrong PIN's page, fetched afresh too; nothing was sent again.
    page.go_back()
    expect(page.get_by_role("heading", name="This request is already approved")).to_be_visible()
    assert entries(AuditAction.REQUEST_APPROVED) == 1
    assert entries(AuditAction.PIN_INCORRECT) == 1
    assert entries(AuditAction.VERIFY_REFUSED) == 0
