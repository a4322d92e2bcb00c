"""A tenant's member asks "was this exported?" in Debian's headless chromium, and gets the
answer support would give, without calling (conftest.browser_page)."""

import pytest
from playwright.sync_api import expect

from audit.models import AuditEntry
from conftest import shot
from notifications.models import OutboxMessage
from unlocks.models import UnlockRequest
from unlocks.tests.security.test_csp_in_the_browser import watch_for_csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def look_up(page, number):
    page.get_by_label("Record number").fill(number)
    page.get_by_role("button", name="Look up").click()


def test_a_member_looks_up_an_exported_batch_and_follows_the_route(browser_page, demo):
    entries = AuditEntry.objects.count()
    page = browser_page
    violations = watch_for_csp_violations(page)
    page.goto("/records/")
    page.get_by_label("Email").fill("dana@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Was this exported?")).to_be_visible()
    shot(page, "screenshots/records-1-search")

    look_up(page, "B-1002")
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "refused")
    expect(verdict).to_contain_text("Refused: exported. Bypass INV-1003 and PAY-1002 instead.")
    expect(page.get_by_text("Asking support will not change this answer")).to_be_visible()
    shot(page, "screenshots/records-2-exported-batch")

    page.locator(".next").get_by_role("link", name="INV-1003").click()
    expect(page.get_by_role("heading", name="Invoice INV-1003")).to_be_visible()
    expect(page.get_by_text("Riverside Cafe · $720.00 · issued 2026-11-12")).to_be_visible()
    expect(page.get_by_role("cell", name="QuickBooks Online")).to_be_visible()
    shot(page, "screenshots/records-3-exported-invoice")

    look_up(page, "b-1001")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")
    expect(page.get_by_text("Accepted: support can unlock it.")).to_be_visible()
    expect(page.get_by_text("Risk of duplicate entries.")).to_be_visible()
    expect(page.get_by_text("one of your admins, Lee Chen or Pat Morgan")).to_be_visible()
    shot(page, "screenshots/records-4-bypassed-batch")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "screenshots/records-4-bypassed-batch-phone")

    look_up(page, "INV-3002")
    expect(page.get_by_role("heading", name="No record numbered INV-3002")).to_be_visible()
    expect(page.get_by_text("Birch")).to_have_count(0)
    shot(page, "screenshots/records-5-not-found")

    assert not UnlockRequest.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert not OutboxMessage.objects.exists()
    assert violations == []
