"""The receipt, the tenant's request list and the console's request page say what is true
of an unlock now, in a browser set to Denver and in one set to Sydney: re-locked early, by
whom, when (in the reader's zone), with what was exported in the window."""

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from conftest import shot
from unlocks import platform, services
from unlocks.models import Batch, UnlockRequest
from unlocks.tests.admin.test_console_in_browser import sign_in as agent_signs_in
from unlocks.tests.conftest import AGENT, open_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def approved(demo):
    """B-1001 (bypassed, with INV-1001, INV-1002, PAY-1001) and INV-1004, approved by Pat;
    B-1001 then exported again within the window."""
    request = open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}, {"type": "invoice", "number": "INV-1004"}],
        caller_email="pat@acme.example",
        reason="Fix and re-export",
    )
    services.verify_and_unlock(
        request_id=request.pk,
        approver_email="pat@acme.example",
        pin="483920",
        consent_version=1,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        actor=AGENT,
    )
    platform.export_batch(batch=Batch.objects.get(number="B-1001"))
    return request


def name(page):
    return page.zone.replace("/", "-")


def test_the_receipt_list_and_console_say_it_was_re_locked_early(zoned_page, approved):
    page = zoned_page
    page.goto(f"/receipts/{approved.pk}/")
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    # The reason box says who reads the reason.
    reason = page.get_by_label("Why re-lock now")
    expect(reason).to_have_accessible_description(
        "Every admin of the account reads it, in the email telling them of the re-lock and on "
        "the receipt; support reads it in the helpdesk ticket and the audit trail, where it "
        "stays."
    )
    reason.fill("We fixed INV-1004 by hand")
    page.get_by_role("button", name="Re-lock now").click()

    expect(page.get_by_role("heading", name="Records re-locked early")).to_be_visible()
    expect(page.get_by_role("heading", name="Records unlocked")).to_have_count(0)
    relocked_at = UnlockRequest.objects.get().relocked_at
    local = relocked_at.astimezone(ZoneInfo(page.zone)).strftime("%Y-%m-%d %H:%M %Z")
    said = page.locator("[data-unlock-ended] [data-unlock-now]")
    expect(said).to_contain_text(
        f"Re-locked early at {local} by pat@acme.example: “We fixed INV-1004 by hand”."
    )
    expect(said).to_contain_text("Exported in the window: B-1001, INV-1001, INV-1002, PAY-1001.")
    expect(page.locator("[data-now='exported']")).to_have_text(["exported in the window"])
    expect(page.locator("[data-now='bypassed']")).to_have_text(["bypassed again"])
    expect(page.locator("[data-now='open']")).to_have_count(0)
    shot(page, f"true-now/{name(page)}-receipt-relocked")

    page.get_by_role("link", name="Requests", exact=True).click()
    row = page.locator("li.request").first
    expect(row.locator(".badge")).to_have_text("Re-locked early")
    expect(row.locator("[data-now]")).to_contain_text(f"Re-locked early at {local}")
    expect(row).not_to_contain_text("Completed")
    shot(page, f"true-now/{name(page)}-requests")

    page.get_by_role("button", name="Sign out").click()
    agent_signs_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{approved.pk}/change/")
    expect(page.locator("[data-unlock-now-badge]")).to_have_text("Re-locked early")
    expect(page.locator("dt:text-is('Unlock now') + dd")).to_contain_text(
        f"Re-locked early at {local} by pat@acme.example"
    )
    shot(page, f"true-now/{name(page)}-console-request")
