"""Two admins approve one large unlock in two browsers (SPEC rule 13), in Debian's headless
chromium: Birch asks two admins from $1,000.00, and B-2002 is $1,730.00 (DEMO.md)."""

import pytest
from playwright.sync_api import expect

from conftest import shot
from unlocks.links import approval_url
from unlocks.models import Batch, Invoice, UnlockRequest
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.test_browser_approval import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(demo, live_server, settings):
    settings.SITE_URL = live_server.url
    unlock = open_for(
        "birch-plumbing",
        targets=[{"type": "batch", "number": "B-2002"}],
        caller_name="Kim Park",
        caller_email="kim@birch.example",
        reason="Bypassed by mistake; needs re-export",
        ticket="ZD-7002",
    )
    return approval_url(unlock)


def approve(page, button):
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("275194")
    page.get_by_role("button", name=button).click()


def test_sam_approves_first_and_rae_second_in_another_browser(browser_page, live_server, link):
    sam = browser_page
    sam.goto(link)
    sign_in(sam, "sam@birch.example")
    expect(sam.get_by_role("heading", name="This unlock needs 2 approvals")).to_be_visible()
    expect(sam.locator("[data-approvals-why]")).to_have_text(
        "2 approvals: $1,730.00 is over your account's $1,000.00 limit."
    )
    shot(sam, "two-admins/1-sam-before")

    approve(sam, "Approve (1 of 2)")

    expect(
        sam.get_by_role("heading", name="You approved it: it waits for a second admin")
    ).to_be_visible()
    expect(sam.get_by_role("button", name="Approve (1 of 2)")).to_have_count(0)
    shot(sam, "two-admins/2-sam-waiting")
    assert Batch.objects.get(number="B-2002").state == "bypassed"

    # Rae, in a browser of her own (no cookie of Sam's).
    other = sam.context.browser.new_context(base_url=live_server.url)
    try:
        rae = other.new_page()
        rae.set_default_timeout(15_000)
        rae.goto(link)
        sign_in(rae, "rae@birch.example")
        expect(
            rae.get_by_role("heading", name="Approved 1 of 2: your approval unlocks it")
        ).to_be_visible()
        expect(rae.locator("[data-approval]")).to_contain_text("Sam Birch (sam@birch.example)")
        shot(rae, "two-admins/3-rae-second")

        approve(rae, "Approve and unlock")

        expect(rae.get_by_role("heading", name="Records unlocked")).to_be_visible()
        expect(rae.locator("[data-approval]")).to_have_count(2)
        shot(rae, "two-admins/4-rae-receipt")
    finally:
        other.close()

    unlock = UnlockRequest.objects.get()
    assert unlock.status == "completed"
    assert [a.approver.email for a in unlock.approvals.order_by("at")] == [
        "sam@birch.example",
        "rae@birch.example",
    ]
    assert set(Invoice.objects.filter(batch__number="B-2002").values_list("state", flat=True)) == {
        "open"
    }
    # Sam's page now says it is done, and links the receipt.
    sam.reload()
    shot(sam, "two-admins/5-sam-after")


def test_rae_asks_to_switch_the_policy_off_and_sam_approves_it(browser_page, live_server, demo):
    rae = browser_page
    rae.goto("/settings/approvals/")
    sign_in(rae, "rae@birch.example")
    rae.goto("/settings/approvals/")
    expect(rae.locator("[data-policy]")).to_have_text(
        "Now: Unlocks of $1,000.00 or more need two admins."
    )
    rae.get_by_label("Unlocks of this amount or more need two admins").fill("")
    rae.get_by_label("Your password").fill("unlock-demo")
    rae.get_by_role("button", name="Save").click()
    expect(rae.get_by_role("heading", name="A change waits for a second admin")).to_be_visible()
    shot(rae, "two-admins/6-rae-asks-to-switch-it-off")

    other = rae.context.browser.new_context(base_url=live_server.url)
    try:
        sam = other.new_page()
        sam.set_default_timeout(15_000)
        sam.goto("/settings/approvals/birch-plumbing/")
        sign_in(sam, "sam@birch.example")
        sam.goto("/settings/approvals/birch-plumbing/")
        sam.locator("[data-waiting]").get_by_label("Your password").fill("unlock-demo")
        sam.get_by_role("button", name="Approve the change").click()
        expect(sam.locator("[data-policy]")).to_have_text("Now: One admin approves every unlock.")
        shot(sam, "two-admins/7-sam-approved-it")
    finally:
        other.close()
